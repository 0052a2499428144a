"""The interim analysis page speaks French to a French statistician; its refusals too, with
their placeholders filled, while the API answers the same refusal in English."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from interim import services
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_statistician(statistician):
    statistician.language = "fr"
    statistician.save(update_fields=["language"])
    return statistician


def test_it_shows_the_plan_and_its_forms_in_french(client, french_statistician, plan):
    client.force_login(french_statistician)

    page = client.get("/interim/").content.decode()

    assert "Analyses intermédiaires de la survie globale" in page
    assert "Décès prévus pour l'analyse finale" in page
    assert "Lan-DeMets de type O&#x27;Brien-Fleming" in page
    assert "Réaliser l'analyse suivante" in page
    assert "Interim analyses of overall survival" not in page
    assert "Take the next look" not in page


def test_it_refuses_a_plan_in_french_with_the_limit_it_broke(french_statistician, plan):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        services.interim_plan_declare(
            user=french_statistician,
            planned_deaths=20,
            planned_fractions=[0.5, 1.0],
            spending="asOF",
            alpha=0.5,
            sided=1,
            reason="Alpha revu",
        )

    assert refused.value.message_dict["alpha"] == [
        "L'alpha est supérieur à 0 et au plus égal à 0.2 (p. ex. 0,025)."
    ]


def test_the_page_refuses_a_french_coordinator_in_french_and_the_api_in_english(client):
    site = SiteFactory(number=31, name="CHU Purpan", language="fr")
    coordinator = UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[site])
    client.force_login(coordinator)
    api = APIClient()
    api.force_authenticate(coordinator)

    page = client.get("/interim/")
    answer = api.get("/api/v1/interim-analyses/")

    assert page.status_code == answer.status_code == 403
    assert (
        "Les analyses intermédiaires comparent les bras\u00a0: elles sont réservées aux rôles "
        "non aveugles." in page.content.decode()
    )
    assert answer.json()["detail"] == (
        "Interim analyses compare the arms: they are confidential to the unblinded roles."
    )
