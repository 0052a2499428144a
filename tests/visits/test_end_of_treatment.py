"""The end of study treatment: once, after the last cycle has ended, for a reason the
records support."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import record_cycle, record_end_of_treatment
from visits.models import EndOfTreatment, FollowUpVisit

Reason = protocol.EndOfTreatmentReason


def _refused(patient, user, ended_on, reason=Reason.COMPLETED) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        record_end_of_treatment(patient, user, ended_on, reason)
    assert not EndOfTreatment.objects.exists()
    assert not FollowUpVisit.objects.exists()
    return refused.value.message_dict


def test_it_refuses_the_end_of_treatment_while_a_cycle_is_open(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6))

    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 20))

    assert errors["ended_on"] == ["Cycle 1 is still open: record its end date first."]


def test_it_refuses_an_end_of_treatment_before_the_last_cycle_ended(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 11))

    assert "the end of treatment cannot be earlier" in errors["ended_on"][0]


def test_it_accepts_an_end_of_treatment_on_the_day_the_last_cycle_ended(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    eot = record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 12))

    assert EndOfTreatment.objects.get(patient=ic_patient) == eot
    assert FollowUpVisit.objects.filter(patient=ic_patient).exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (Reason.DEATH, "Record the death (off study) first."),
        (Reason.HSCT, "Record the allo-HSCT first."),
    ],
)
def test_it_needs_the_death_or_transplant_recorded_first_when_it_is_the_reason(
    ic_patient, coordinator, reason, message
):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 20), reason)

    assert errors == {"reason": [message]}


def test_it_records_the_end_of_treatment_once(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))

    with pytest.raises(ValidationError) as refused:
        record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 25))

    assert "already recorded" in refused.value.message_dict["ended_on"][0]
    assert EndOfTreatment.objects.get(patient=ic_patient).ended_on == dt.date(2025, 3, 20)


def test_it_records_nothing_for_a_patient_not_randomized(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_end_of_treatment(patient_a, coordinator, dt.date(2025, 3, 20))

    assert "is not randomized" in refused.value.message_dict["patient"][0]
