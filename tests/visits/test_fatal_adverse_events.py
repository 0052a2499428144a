"""Grade 5 means death, and the two records always agree.

An adverse event cannot be entered as grade 5: the death is recorded (off study, cause
"adverse event") naming the event, which then becomes grade 5 and ends on the date of
death in the same transaction. While the death is attributed to it, the event stays grade 5.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.factories import screen_patient
from tests.visits.builders import (
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
)
from visits.models import AdverseEvent, OffStudy
from visits.services import adverse_event_update, off_study_record, off_study_update

DIED_ON = dt.date(2025, 4, 20)


@pytest.fixture
def with_sepsis(ic_patient, coordinator):
    """Cycle 1 in March, then a grade 4 sepsis from 15 April, still ongoing."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    sepsis = record_adverse_event(ic_patient, coordinator, dt.date(2025, 4, 15), grade=4)
    return ic_patient, sepsis


def _died_of(patient, user, event) -> OffStudy:
    return off_study_record(
        patient=patient,
        user=user,
        fatal_adverse_event=event,
        values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
    )


def test_it_refuses_a_grade_5_event_without_a_death(ic_patient, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(ic_patient, coordinator, dt.date(2025, 4, 15), grade=5)

    assert "Grade 5 is a fatal event: record the death" in refused.value.message_dict["grade"][0]
    assert not AdverseEvent.objects.exists()


def test_it_refuses_regrading_an_event_to_5_without_a_death(with_sepsis, coordinator):
    _, sepsis = with_sepsis

    with pytest.raises(ValidationError) as refused:
        adverse_event_update(
            event=sepsis,
            user=coordinator,
            values={"grade": 5},
            version=sepsis.version,
            reason="Patient died",
        )

    assert list(refused.value.message_dict) == ["grade"]
    sepsis.refresh_from_db()
    assert sepsis.grade == 4


def test_it_makes_the_event_named_by_the_death_grade_5_ending_on_the_date_of_death(
    with_sepsis, coordinator
):
    patient, sepsis = with_sepsis

    off = _died_of(patient, coordinator, sepsis)

    sepsis.refresh_from_db()
    assert (sepsis.grade, sepsis.resolved_on) == (protocol.FATAL_GRADE, DIED_ON)
    assert off.fatal_adverse_event == sepsis


def test_it_requires_the_fatal_event_when_the_death_is_caused_by_an_adverse_event(
    with_sepsis, coordinator
):
    patient, _ = with_sepsis

    with pytest.raises(ValidationError) as refused:
        _died_of(patient, coordinator, None)

    assert list(refused.value.message_dict) == ["fatal_adverse_event"]
    assert not OffStudy.objects.exists()


def test_it_refuses_a_fatal_event_named_for_another_cause_of_death(with_sepsis, coordinator):
    patient, sepsis = with_sepsis

    with pytest.raises(ValidationError) as refused:
        off_study_record(
            patient=patient,
            user=coordinator,
            fatal_adverse_event=sepsis,
            values=death_values(DIED_ON, protocol.DeathCause.LEUKAEMIA),
        )

    assert "fatal_adverse_event" in refused.value.message_dict
    sepsis.refresh_from_db()
    assert sepsis.grade == 4


def test_it_refuses_a_fatal_event_of_another_patient(with_sepsis, site_a, coordinator):
    _, sepsis = with_sepsis
    other = screen_patient(site=site_a, user=coordinator)
    randomize(other, coordinator)

    with pytest.raises(ValidationError) as refused:
        _died_of(other, coordinator, sepsis)

    assert refused.value.message_dict == {"fatal_adverse_event": ["Not an event of this patient."]}


def test_it_keeps_the_fatal_event_at_grade_5(with_sepsis, coordinator):
    patient, sepsis = with_sepsis
    _died_of(patient, coordinator, sepsis)
    sepsis.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        adverse_event_update(
            event=sepsis,
            user=coordinator,
            values={"grade": 4},
            version=sepsis.version,
            reason="Regraded by the investigator",
        )

    assert refused.value.message_dict["grade"] == [
        "The patient's death is attributed to this event: it must stay grade 5."
    ]
    sepsis.refresh_from_db()
    assert sepsis.grade == protocol.FATAL_GRADE


def test_it_keeps_the_fatal_event_ending_on_the_date_of_death(with_sepsis, coordinator):
    patient, sepsis = with_sepsis
    _died_of(patient, coordinator, sepsis)
    sepsis.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        adverse_event_update(
            event=sepsis,
            user=coordinator,
            values={"resolved_on": dt.date(2025, 4, 18)},
            version=sepsis.version,
            reason="Resolution date corrected",
        )

    assert (
        "A fatal event ends on the date of death (20/04/2025)."
        in refused.value.message_dict["resolved_on"]
    )


def test_it_regrades_the_event_released_when_the_death_is_attributed_to_leukaemia(
    with_sepsis, coordinator
):
    patient, sepsis = with_sepsis
    off = _died_of(patient, coordinator, sepsis)

    with pytest.raises(ValidationError) as refused:
        off_study_update(
            off_study=off,
            user=coordinator,
            version=off.version,
            values={"death_cause": protocol.DeathCause.LEUKAEMIA},
            reason="Autopsy: progressive leukaemia",
        )
    assert "previous_fatal_event_grade" in refused.value.message_dict

    off_study_update(
        off_study=off,
        user=coordinator,
        version=off.version,
        values={"death_cause": protocol.DeathCause.LEUKAEMIA},
        reason="Autopsy: progressive leukaemia",
        previous_fatal_event_grade=4,
    )

    sepsis.refresh_from_db()
    off.refresh_from_db()
    assert sepsis.grade == 4
    assert (off.death_cause, off.fatal_adverse_event) == (protocol.DeathCause.LEUKAEMIA, None)
