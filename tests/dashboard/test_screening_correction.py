"""Correcting the screening of a randomized patient: the consequences above the screening.

Consent and screening come before randomization, so a correction cannot move them after it.
A correction showing that a randomized patient was not eligible does not undo the
randomization: the patient stays in the intention-to-treat analysis and the system records
a protocol deviation, marked corrected if a later correction makes the patient eligible again.
The page and the API correct a screening through the same service.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dashboard.services import screening_correct
from tests.factories import all_criteria_met
from tests.visits.builders import randomize
from visits.models import ProtocolDeviation

INELIGIBLE = ProtocolDeviation.Kind.RANDOMIZED_INELIGIBLE
REASON = "Source document re-read"


@pytest.fixture
def randomized(patient_a, coordinator):
    randomize(patient_a, coordinator)
    return patient_a


def _answers(**changes: bool) -> dict[str, bool]:
    return {**all_criteria_met(), **changes}


def test_it_records_a_deviation_when_a_randomized_patient_proves_ineligible(
    randomized, coordinator
):
    screening_correct(
        patient=randomized,
        user=coordinator,
        reason=REASON,
        changes={},
        answers=_answers(EXC_CNS=True),
        version=1,
    )

    deviation = ProtocolDeviation.objects.get(patient=randomized, kind=INELIGIBLE)
    assert deviation.corrected_at is None
    assert deviation.description.startswith("Randomized, but the corrected screening says: ")
    assert "central nervous system" in deviation.description


def test_it_keeps_the_deviation_marked_corrected_when_the_patient_is_eligible_again(
    randomized, coordinator
):
    screening_correct(
        patient=randomized,
        user=coordinator,
        reason=REASON,
        changes={},
        answers=_answers(EXC_CNS=True),
        version=1,
    )
    screening_correct(
        patient=randomized,
        user=coordinator,
        reason=REASON,
        changes={},
        answers=_answers(),
        version=2,
    )

    deviation = ProtocolDeviation.objects.get(patient=randomized, kind=INELIGIBLE)
    assert deviation.corrected_at is not None


def test_it_records_no_deviation_for_a_patient_not_randomized(patient_a, coordinator):
    screening_correct(
        patient=patient_a,
        user=coordinator,
        reason=REASON,
        changes={},
        answers=_answers(EXC_CNS=True),
        version=1,
    )

    assert not ProtocolDeviation.objects.filter(patient=patient_a).exists()


def test_it_refuses_a_consent_dated_after_the_randomization(randomized, coordinator):
    randomized_on = randomized.randomization.randomized_at.date()

    with pytest.raises(ValidationError) as refused:
        screening_correct(
            patient=randomized,
            user=coordinator,
            reason=REASON,
            changes={"consent_on": randomized_on + dt.timedelta(days=1)},
            version=1,
        )

    assert "consent_on" in refused.value.message_dict
    assert not ProtocolDeviation.objects.filter(patient=randomized).exists()


def test_the_api_correction_draws_the_same_consequence(randomized, coordinator, client):
    client.force_login(coordinator)
    answer = client.patch(
        reverse("api-patient-detail", args=[randomized.study_id]),
        {"reason": REASON, "answers": _answers(EXC_CNS=True), "version": 1},
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.json()
    assert ProtocolDeviation.objects.filter(patient=randomized, kind=INELIGIBLE).exists()
