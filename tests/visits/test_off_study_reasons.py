"""Leaving the study: death (with its cause), consent withdrawal (with which data may still
be used) or loss to follow-up, once per patient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import death_values
from visits.models import OffStudy
from visits.services import off_study_record

EVENT_ON = dt.date(2025, 4, 20)
WITHDRAWN = protocol.OffStudyReason.CONSENT_WITHDRAWN


def _refused(patient, user, values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        off_study_record(patient=patient, user=user, values=values)
    assert not OffStudy.objects.exists()
    return refused.value.message_dict


def test_it_requires_the_cause_of_a_death(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, death_values(EVENT_ON, cause=""))

    assert errors == {"death_cause": ["Give the cause of death."]}


def test_it_refuses_a_cause_of_death_for_a_living_patient(ic_patient, coordinator):
    errors = _refused(
        ic_patient,
        coordinator,
        {
            "reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP,
            "event_on": EVENT_ON,
            "death_cause": protocol.DeathCause.UNKNOWN,
        },
    )

    assert errors == {"death_cause": ["Only for a death."]}


def test_it_requires_which_data_may_still_be_used_after_a_consent_withdrawal(
    ic_patient, coordinator
):
    errors = _refused(ic_patient, coordinator, {"reason": WITHDRAWN, "event_on": EVENT_ON})

    assert errors == {"data_use": ["Say which data may still be used."]}


def test_it_accepts_a_consent_withdrawal_with_its_data_use(ic_patient, coordinator):
    off = off_study_record(
        patient=ic_patient,
        user=coordinator,
        values={
            "reason": WITHDRAWN,
            "event_on": EVENT_ON,
            "data_use": protocol.WithdrawnDataUse.UNTIL_WITHDRAWAL,
        },
    )

    assert OffStudy.objects.get(patient=ic_patient) == off


def test_it_refuses_a_data_use_for_anything_but_a_consent_withdrawal(ic_patient, coordinator):
    errors = _refused(
        ic_patient, coordinator, death_values(EVENT_ON, data_use=protocol.WithdrawnDataUse.ALL)
    )

    assert errors == {"data_use": ["Only for a consent withdrawal."]}


@pytest.mark.parametrize(
    ("event_on", "problem"),
    [
        (dt.date(2025, 6, 3), "is in the future"),
        (dt.date(2025, 3, 4), "is before the randomization"),
    ],
)
def test_it_refuses_an_off_study_date_in_the_future_or_before_randomization(
    ic_patient, coordinator, event_on, problem
):
    errors = _refused(ic_patient, coordinator, death_values(event_on))

    assert problem in errors["event_on"][0]


def test_it_takes_a_patient_off_study_once(ic_patient, coordinator):
    off_study_record(
        patient=ic_patient,
        user=coordinator,
        values={"reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP, "event_on": EVENT_ON},
    )

    with pytest.raises(ValidationError) as refused:
        off_study_record(patient=ic_patient, user=coordinator, values=death_values(EVENT_ON))

    assert "Already off study" in refused.value.message_dict["reason"][0]
    assert OffStudy.objects.get(patient=ic_patient).reason == (
        protocol.OffStudyReason.LOST_TO_FOLLOW_UP
    )
