"""A coordinator of a French site screens in French: the form, the patient page and the
refusals of the screening rules, placeholders filled; the API and the stored texts stay English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from patients.models import Patient
from tests.factories import (
    ScreeningValuesFactory,
    SiteFactory,
    UserFactory,
    all_criteria_met,
    screen_patient,
)


@pytest.fixture
def french_site(db):
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


def test_it_shows_the_screening_form_in_french(client, french_coordinator):
    client.force_login(french_coordinator)

    page = client.get(reverse("screening-new")).content.decode()

    assert "<legend>Critères d'éligibilité</legend>" in page
    assert "Consentement éclairé écrit, signé et daté avant toute procédure" in page
    assert "non-inclusion" in page
    assert "Enregistrer la sélection" in page
    assert "Leucémie aiguë promyélocytaire (LAP)" in page
    assert "Eligibility checklist" not in page
    assert "Save screening" not in page
    assert "Acute promyelocytic leukaemia" not in page


def test_it_shows_a_screen_failure_in_french_and_stores_it_in_english(
    client, french_site, french_coordinator, frozen_today
):
    answers = {**all_criteria_met(), "EXC_APL": True}
    patient = screen_patient(site=french_site, user=french_coordinator, answers=answers)
    client.force_login(french_coordinator)

    page = client.get(reverse("patient-detail", args=[patient.study_id])).content.decode()

    failure = page.split('<p class="errors">', 1)[1].split("</p>", 1)[0]
    assert failure == (
        "<strong>Échec de sélection\u00a0:</strong><br>"
        "Critère de non-inclusion présent\u00a0: Leucémie aiguë promyélocytaire (LAP)"
    )
    assert "<td>Leucémie aiguë promyélocytaire (LAP)</td><td>Oui</td>" in page
    assert (
        patient.screening.failure_reason == "Exclusion applies: Acute promyelocytic leukaemia (APL)"
    )
    assert (
        patient.screening.answers.get(code="EXC_APL").text == "Acute promyelocytic leukaemia (APL)"
    )


def test_it_refuses_a_consent_after_the_screening_visit_in_french(
    french_site, french_coordinator, frozen_today
):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        screen_patient(
            site=french_site,
            user=french_coordinator,
            consent_on=dt.date(2025, 3, 5),
            screened_on=dt.date(2025, 3, 4),
        )

    assert refused.value.message_dict["screened_on"] == [
        "Les procédures de l'étude doivent suivre le consentement éclairé\u00a0: "
        "le 04/03/2025 précède le consentement du 05/03/2025."
    ]
    assert not Patient.objects.exists()


def test_it_refuses_the_same_screening_in_english_through_the_api(
    french_site, french_coordinator, frozen_today
):
    api = APIClient()
    api.force_authenticate(french_coordinator)
    body = {
        "site": french_site.number,
        "sex": "F",
        "year_of_birth": 1960,
        "answers": all_criteria_met(),
        **ScreeningValuesFactory(consent_on=dt.date(2025, 3, 5), screened_on=dt.date(2025, 3, 4)),
    }

    response = api.post("/api/v1/patients/", body, format="json")

    assert response.status_code == 400
    assert response.headers["Content-Language"] == "en"
    assert response.json()["screened_on"] == [
        "Study procedures must follow informed consent: 04/03/2025 is before consent on 05/03/2025."
    ]
