"""The data review in French: the patient's review page names its records and queries in
French, the query list its checks; a refused step says why in French, the API in English."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from review.services import query_close, query_raise

DOUBT = "Marrow blasts 32% at screening, but the pathology report says 23%?"


@pytest.fixture
def french_data_manager(data_manager):
    data_manager.language = "fr"
    data_manager.save(update_fields=["language"])
    return data_manager


@pytest.fixture
def closed_query(patient_a, data_manager):
    query = query_raise(
        user=data_manager, record=patient_a.screening, field_name="marrow_blasts_pct", text=DOUBT
    )
    return query_close(user=data_manager, query=query, text="Confirmed with the site.")


def test_it_shows_the_review_page_in_french(client, patient_a, french_data_manager):
    query_raise(
        user=french_data_manager,
        record=patient_a.screening,
        field_name="marrow_blasts_pct",
        text=DOUBT,
    )
    client.force_login(french_data_manager)

    page = client.get(reverse("review-patient", args=[patient_a.study_id])).content.decode()

    assert "Revue des données · patient" in page
    assert "Vérification des données source (SDV)" in page
    assert "Critère de non-inclusion\u00a0: Grossesse ou allaitement\u00a0: Non" in page
    assert "Sélection du 04/03/2025" in page
    assert ">Ouverte</span>" in page
    assert "Émise par dm le" in page
    assert "Exclusion criterion" not in page
    assert "Source verification" not in page


def test_it_lists_the_automatic_checks_in_french(client, french_data_manager):
    client.force_login(french_data_manager)

    page = client.get(reverse("review-queries")).content.decode()

    assert "Visite de suivi réalisée plus de 21 jours hors de sa fenêtre" in page
    assert "Contrôles automatiques" in page
    assert "Automatic checks" not in page


def test_it_refuses_to_close_a_closed_query_in_french(closed_query, data_manager):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        query_close(user=data_manager, query=closed_query)

    assert refused.value.message_dict == {
        "status": ["Cette query est close\u00a0: elle ne peut pas être close."]
    }


def test_it_refuses_the_same_in_english_through_the_api(closed_query, french_data_manager):
    api = APIClient()
    api.force_authenticate(french_data_manager)

    response = api.post(f"/api/v1/queries/{closed_query.pk}/close/", {"text": ""}, format="json")

    assert response.status_code == 400
    assert response.json()["status"] == ["This query is closed: it cannot be closed."]
