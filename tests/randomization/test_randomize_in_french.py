"""A coordinator of a French site randomizes in French: the form, the confirmation with the
arm and stratum in French, and a refusal with its placeholders filled."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

import protocol
from accounts.models import Role
from randomization import services
from randomization.models import Randomization
from tests.factories import SiteFactory, UserFactory, all_criteria_met, screen_patient


@pytest.fixture
def french_site(db):
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


def test_it_shows_the_randomize_form_in_french(
    client, french_site, french_coordinator, frozen_today
):
    patient = screen_patient(site=french_site, user=french_coordinator)
    client.force_login(french_coordinator)

    page = client.get(reverse("randomization-randomize", args=[patient.study_id])).content.decode()

    assert "Randomiser le patient 31-001" in page
    assert "Schéma de rattrapage choisi par l&#x27;investigateur" in page
    assert "Intensif\u00a0: amsacrine + cytarabine" in page
    assert "Je confirme que le patient est éligible" in page
    assert "Salvage regimen chosen by the investigator" not in page


def test_it_confirms_the_randomization_in_french(
    client, french_site, french_coordinator, frozen_today
):
    patient = screen_patient(site=french_site, user=french_coordinator)
    client.force_login(french_coordinator)

    response = client.post(
        reverse("randomization-randomize", args=[patient.study_id]),
        {"regimen": protocol.Regimen.AZACITIDINE, "confirm_eligible": "on"},
        follow=True,
    )

    page = response.content.decode()
    arm = Randomization.objects.get(patient=patient).arm
    french_arm = {
        "dex": "Traitement de rattrapage + dexaméthasone",
        "control": "Traitement de rattrapage seul",
    }[arm]
    assert "Confirmation de randomisation" in page
    assert f'<strong id="arm">{french_arm}</strong>' in page
    assert "Azacitidine · centre 31 · en rechute" in page
    assert "Randomization confirmation" not in page


def test_it_refuses_a_screen_failure_in_french_with_the_failed_criterion(
    french_site, french_coordinator, frozen_today
):
    answers = {**all_criteria_met(), "EXC_PREGNANCY": True}
    patient = screen_patient(site=french_site, user=french_coordinator, answers=answers)

    with translation.override("fr"), pytest.raises(services.NotEligible) as refused:
        services.patient_randomize(
            patient=patient, user=french_coordinator, regimen=protocol.Regimen.INTENSIVE
        )

    assert refused.value.message_dict["patient"] == [
        "Le patient 31-001 est un échec de sélection et ne peut pas être randomisé\u00a0: "
        "Critère de non-inclusion présent\u00a0: Grossesse ou allaitement"
    ]


def test_it_refuses_the_same_in_english_through_the_api(
    french_site, french_coordinator, frozen_today
):
    from rest_framework.test import APIClient

    answers = {**all_criteria_met(), "EXC_PREGNANCY": True}
    patient = screen_patient(site=french_site, user=french_coordinator, answers=answers)
    api = APIClient()
    api.force_authenticate(french_coordinator)

    response = api.post(
        f"/api/v1/patients/{patient.study_id}/randomize/",
        {"regimen": protocol.Regimen.INTENSIVE},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["patient"] == [
        "Patient 31-001 is a screen failure and cannot be randomized: "
        "Exclusion applies: Pregnancy or breast-feeding"
    ]
