"""A lock's refusal in the reader's language, with the lock's facts filled in; the API says
the same refusal in English, whatever the user chose (CDISC clients read English)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from locks.services import DataLocked, data_lock
from patients.services import screening_update
from tests.factories import SiteFactory, UserFactory, screen_patient

CUT_OFF = "Interim analysis cut-off 31/05/2025"


@pytest.fixture
def french_coordinator(db):
    site = SiteFactory(number=31, name="CHU Purpan", language="fr")
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[site])


@pytest.fixture
def locked_patient(french_coordinator, data_manager, frozen_today):
    patient = screen_patient(site=french_coordinator.sites.get(), user=french_coordinator)
    data_lock(user=data_manager, patient=patient, reason=CUT_OFF)
    return patient


def test_it_refuses_a_write_to_a_locked_patient_in_french(locked_patient, french_coordinator):
    with translation.override("fr"), pytest.raises(DataLocked) as refused:
        screening_update(
            patient=locked_patient,
            user=french_coordinator,
            reason="Erreur de transcription",
            changes={"ecog": 2},
        )

    assert refused.value.messages == [
        "Les données du patient 31-001 sont gelées depuis le 02/06/2025 (Interim analysis "
        "cut-off 31/05/2025)\u00a0: rien ne peut changer tant qu'un data manager ne les a pas "
        "dégelées, avec un motif."
    ]


def test_the_api_refuses_it_in_english_to_the_same_french_user(
    client, locked_patient, french_coordinator
):
    client.force_login(french_coordinator)

    answer = client.patch(
        reverse("api-patient-detail", args=[locked_patient.study_id]),
        {"reason": "Erreur de transcription", "ecog": 2, "version": 1},
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert answer.headers["Content-Language"] == "en"
    assert (
        "The data of patient 31-001 are locked since 02/06/2025 (Interim analysis cut-off "
        "31/05/2025): nothing can change until a data manager unlocks them, with a reason."
    ) in str(answer.json())
