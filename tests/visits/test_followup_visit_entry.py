"""Filling in a follow-up visit, or marking it missed.

A visit done has its date (not in the future, not before the end of treatment) and the
patient's vital status; a visit missed has its reason, and can be marked missed only once
its window has opened. Once completed, a correction needs a reason like any other.

Treatment ended on 13 March 2025: M3 (13 June) has its window open from 30 May; the M6
window opens on 30 August. Today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from audit.records import ReasonRequired
from tests.visits.builders import treated_patient
from visits import services
from visits.models import FollowUpVisit
from visits.selectors import status_of

ALIVE = protocol.VitalStatus.ALIVE


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 3, 13),
    )


def _visit(patient, month: int) -> FollowUpVisit:
    return FollowUpVisit.objects.get(patient=patient, month=month)


def _record(visit, user, reason="", **values) -> FollowUpVisit:
    return services.followup_visit_record(
        visit=visit, user=user, values=values, version=visit.version, reason=reason
    )


def _refused(visit, user, **values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _record(visit, user, **values)
    stored = FollowUpVisit.objects.get(pk=visit.pk)
    assert (stored.performed_on, stored.version) == (None, 1)
    return refused.value.message_dict


def test_it_records_a_visit_done_in_its_window(followed, coordinator):
    m3 = _visit(followed, 3)

    _record(
        m3,
        coordinator,
        performed_on=dt.date(2025, 6, 1),
        vital_status=ALIVE,
        disease_status=protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
    )

    m3.refresh_from_db()
    assert (m3.performed_on, m3.version, status_of(m3)) == (dt.date(2025, 6, 1), 2, "done")


def test_it_requires_the_date_of_the_visit(followed, coordinator):
    errors = _refused(_visit(followed, 3), coordinator, vital_status=ALIVE)

    assert errors == {"performed_on": ["Give the date of the visit (or mark it missed)."]}


def test_it_requires_the_vital_status(followed, coordinator):
    errors = _refused(_visit(followed, 3), coordinator, performed_on=dt.date(2025, 6, 1))

    assert errors == {"vital_status": ["Required."]}


def test_it_refuses_a_visit_before_the_end_of_treatment(followed, coordinator):
    errors = _refused(
        _visit(followed, 3), coordinator, performed_on=dt.date(2025, 3, 12), vital_status=ALIVE
    )

    assert errors["performed_on"] == ["Follow-up starts after the end of treatment (13/03/2025)."]


def test_it_refuses_a_visit_in_the_future(followed, coordinator):
    errors = _refused(
        _visit(followed, 3), coordinator, performed_on=dt.date(2025, 6, 3), vital_status=ALIVE
    )

    assert "is in the future" in errors["performed_on"][0]


def test_it_refuses_a_dead_vital_status_before_the_death_is_recorded(followed, coordinator):
    errors = _refused(
        _visit(followed, 3),
        coordinator,
        performed_on=dt.date(2025, 6, 1),
        vital_status=protocol.VitalStatus.DEAD,
    )

    assert errors == {"vital_status": ["Record the death (off study) first, with its date."]}


def test_it_refuses_a_transplant_since_the_last_visit_that_is_not_recorded(followed, coordinator):
    errors = _refused(
        _visit(followed, 3),
        coordinator,
        performed_on=dt.date(2025, 6, 1),
        vital_status=ALIVE,
        transplant_since_last=True,
    )

    assert errors == {"transplant_since_last": ["Record the allo-HSCT itself first."]}


def test_it_needs_a_reason_to_correct_a_visit_already_recorded(followed, coordinator):
    m3 = _record(
        _visit(followed, 3), coordinator, performed_on=dt.date(2025, 6, 1), vital_status=ALIVE
    )

    with pytest.raises(ReasonRequired):
        _record(m3, coordinator, performed_on=dt.date(2025, 5, 31), vital_status=ALIVE)
    _record(
        m3,
        coordinator,
        reason="Date read from the consultation letter",
        performed_on=dt.date(2025, 5, 31),
        vital_status=ALIVE,
    )

    m3.refresh_from_db()
    assert (m3.performed_on, m3.version) == (dt.date(2025, 5, 31), 3)


def test_it_marks_a_visit_missed_with_its_reason(followed, coordinator):
    m3 = _visit(followed, 3)

    services.followup_visit_miss(
        visit=m3, user=coordinator, version=m3.version, missed_reason="  Patient moved abroad  "
    )

    m3.refresh_from_db()
    assert (m3.missed_reason, status_of(m3)) == ("Patient moved abroad", "missed")


def test_it_needs_the_reason_a_visit_was_missed(followed, coordinator):
    m3 = _visit(followed, 3)

    with pytest.raises(ValidationError) as refused:
        services.followup_visit_miss(
            visit=m3, user=coordinator, version=m3.version, missed_reason="  "
        )

    assert refused.value.message_dict == {"missed_reason": ["Say why the visit was missed."]}


def test_it_refuses_to_mark_a_visit_missed_before_its_window_opens(followed, coordinator):
    m6 = _visit(followed, 6)

    with pytest.raises(ValidationError) as refused:
        services.followup_visit_miss(
            visit=m6, user=coordinator, version=m6.version, missed_reason="Patient will be abroad"
        )

    assert "The visit window opens on 30/08/2025" in refused.value.message_dict["missed_reason"][0]
    m6.refresh_from_db()
    assert m6.missed_reason == ""


def test_it_refuses_to_mark_a_visit_done_as_missed(followed, coordinator):
    m3 = _record(
        _visit(followed, 3), coordinator, performed_on=dt.date(2025, 6, 1), vital_status=ALIVE
    )

    with pytest.raises(ValidationError) as refused:
        services.followup_visit_miss(
            visit=m3, user=coordinator, version=m3.version, missed_reason="Entered by mistake"
        )

    assert refused.value.message_dict == {"missed_reason": ["This visit is recorded as done."]}


def test_it_records_a_missed_visit_done_after_all_with_a_reason(followed, coordinator):
    m3 = _visit(followed, 3)
    m3 = services.followup_visit_miss(
        visit=m3, user=coordinator, version=m3.version, missed_reason="No answer by phone"
    )

    _record(
        m3,
        coordinator,
        reason="Patient was seen: the letter came late",
        performed_on=dt.date(2025, 6, 1),
        vital_status=ALIVE,
    )

    m3.refresh_from_db()
    assert (m3.performed_on, m3.missed_reason) == (dt.date(2025, 6, 1), "")
