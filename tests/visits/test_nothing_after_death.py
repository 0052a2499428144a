"""Nothing happens after death: no record is dated after it, and a death is not dated
before something already recorded.

Here the patient has cycle 1 in March (6-12) and dies on 20 April 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import (
    at_noon_in_paris,
    death_values,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ResponseAssessment,
    TreatmentCycle,
)

DIED_ON = dt.date(2025, 4, 20)
AFTER_DEATH = "21/04/2025 is after the patient's death on 20/04/2025."


@pytest.fixture
def deceased(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    services.off_study_record(patient=ic_patient, user=coordinator, values=death_values(DIED_ON))
    return ic_patient


def test_it_refuses_a_cycle_after_death(deceased, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_cycle(deceased, coordinator, dt.date(2025, 4, 21))

    assert AFTER_DEATH in refused.value.message_dict["started_on"]
    assert TreatmentCycle.objects.filter(patient=deceased).count() == 1


def test_it_refuses_a_response_after_death(deceased, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_response(deceased, coordinator, dt.date(2025, 4, 21))

    assert AFTER_DEATH in refused.value.message_dict["assessed_on"]
    assert not ResponseAssessment.objects.exists()


@pytest.mark.parametrize(
    ("field", "dates"),
    [
        ("onset_on", {"onset_on": dt.date(2025, 4, 21)}),
        ("resolved_on", {"onset_on": dt.date(2025, 4, 10), "resolved_on": dt.date(2025, 4, 21)}),
    ],
)
def test_it_refuses_an_adverse_event_dated_after_death(deceased, coordinator, field, dates):
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(deceased, coordinator, **dates)

    assert AFTER_DEATH in refused.value.message_dict[field]
    assert not AdverseEvent.objects.exists()


def test_it_refuses_an_end_of_treatment_after_death(deceased, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_end_of_treatment(deceased, coordinator, dt.date(2025, 4, 21))

    assert AFTER_DEATH in refused.value.message_dict["ended_on"]
    assert not EndOfTreatment.objects.exists()


def test_it_accepts_a_death_on_the_day_of_the_last_record(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(
        ic_patient,
        coordinator,
        DIED_ON,
        protocol.ResponseCategory.RESISTANT,
        marrow_blasts_pct=None,
    )

    off = services.off_study_record(
        patient=ic_patient, user=coordinator, values=death_values(DIED_ON)
    )

    assert off.event_on == DIED_ON


@pytest.mark.parametrize(
    ("record", "what"),
    [
        (
            lambda p, u: record_response(p, u, dt.date(2025, 4, 21), protocol.ResponseCategory.CR),
            "a response assessment is dated 21/04/2025",
        ),
        (
            lambda p, u: record_adverse_event(p, u, dt.date(2025, 4, 21)),
            "an adverse event is dated 21/04/2025",
        ),
        (lambda p, u: record_cycle(p, u, dt.date(2025, 4, 21)), "cycle 2 is dated 21/04/2025"),
    ],
)
def test_it_refuses_a_death_dated_before_an_existing_record(ic_patient, coordinator, record, what):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record(ic_patient, coordinator)

    with pytest.raises(ValidationError) as refused:
        services.off_study_record(
            patient=ic_patient, user=coordinator, values=death_values(DIED_ON)
        )

    assert refused.value.message_dict["event_on"] == [
        f"Nothing can happen after death, but {what}."
    ]
    assert not OffStudy.objects.exists()


def test_it_refuses_a_follow_up_visit_finding_the_patient_alive_after_death(
    ic_patient, coordinator
):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 7, 20)), tick=False):
        # Died on 10 July, after the M3 window (6 June - 4 July) closed: M3 is still owed.
        services.off_study_record(
            patient=ic_patient, user=coordinator, values=death_values(dt.date(2025, 7, 10))
        )
        m3 = FollowUpVisit.objects.get(patient=ic_patient)
        assert m3.month == 3

        with pytest.raises(ValidationError) as refused:
            services.followup_visit_record(
                visit=m3,
                user=coordinator,
                version=m3.version,
                values={
                    "performed_on": dt.date(2025, 7, 15),
                    "vital_status": protocol.VitalStatus.ALIVE,
                },
            )
        errors = refused.value.message_dict
        assert "15/07/2025 is after the patient's death on 10/07/2025." in errors["performed_on"]
        assert errors["vital_status"] == ["The patient died on 10/07/2025."]

        # The contact that learns of the death is recorded with the vital status "dead".
        services.followup_visit_record(
            visit=m3,
            user=coordinator,
            version=m3.version,
            values={
                "performed_on": dt.date(2025, 7, 15),
                "vital_status": protocol.VitalStatus.DEAD,
            },
        )

    m3.refresh_from_db()
    assert (m3.performed_on, m3.vital_status) == (dt.date(2025, 7, 15), protocol.VitalStatus.DEAD)


def test_it_drops_a_visit_whose_window_was_open_at_death(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 6, 20)), tick=False):
        # Died on 10 June, inside the M3 window (6 June - 4 July): no visit is owed any more.
        services.off_study_record(
            patient=ic_patient, user=coordinator, values=death_values(dt.date(2025, 6, 10))
        )

    assert not FollowUpVisit.objects.filter(patient=ic_patient).exists()
