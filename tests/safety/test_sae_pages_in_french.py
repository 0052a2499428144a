"""The SAE pages in French for the staff of a French site: the clock, the versions and the
services' refusals in French with their values filled in; the API keeps answering in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from protocol.safety import SaeCausality
from safety.models import SaeReport
from safety.services import sae_draft_save
from tests.conftest import TODAY
from tests.safety.conftest import draft_of


@pytest.fixture
def french_coordinator(coordinator):
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    return coordinator


def _aware(report: SaeReport, at: dt.datetime) -> None:
    SaeReport.objects.filter(pk=report.pk).update(site_aware_at=at)


def test_it_shows_the_sae_list_and_its_clock_in_french(client, sae, french_coordinator):
    _aware(sae, TODAY - dt.timedelta(hours=3))
    client.force_login(french_coordinator)

    page = client.get(reverse("safety-sae-list")).content.decode()

    assert "Événements indésirables graves" in page
    assert "Déclaration initiale attendue dans 21 h 00 min" in page
    assert "Échéance (Paris)" in page
    assert "03/06/2025 09:00 CEST (Europe/Paris)" in page
    assert "Serious adverse events" not in page
    assert "Initial report due in" not in page


def test_it_shows_the_report_page_in_french(client, sae, french_coordinator):
    _aware(sae, TODAY - dt.timedelta(hours=25))
    client.force_login(french_coordinator)

    page = client.get(reverse("safety-sae-report", args=[sae.pk])).content.decode()

    assert "Événement indésirable grave · patient" in page
    assert "Déclaration initiale en retard de 1 h 00 min" in page
    assert "Modifier le brouillon" in page
    assert "Échéance\u00a0:" in page
    assert "Edit the draft" not in page
    assert "Deadline:" not in page


def test_it_shows_the_draft_form_in_french(client, sae, french_coordinator):
    client.force_login(french_coordinator)

    page = client.get(reverse("safety-sae-edit", args=[sae.pk, 0])).content.decode()

    assert "Critères de gravité (au moins un)" in page
    assert "Enregistrer le brouillon" in page
    assert "Date et heure de prise de connaissance par le centre" in page
    assert "Seriousness criteria" not in page


def test_it_refuses_in_french_with_the_onset_date_filled_in(sae, french_coordinator):
    draft = draft_of(sae)

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        sae_draft_save(
            draft=draft,
            user=french_coordinator,
            values={"site_aware_at": dt.datetime(2025, 5, 29, 10, 0, tzinfo=dt.UTC)},
            version=draft.version,
        )

    messages = refused.value.message_dict["site_aware_at"]
    assert messages == ["Ne peut pas précéder la survenue de l'événement (30/05/2025)."]


def test_the_api_refuses_in_english_for_a_french_user(sae, french_coordinator):
    api = APIClient()
    api.force_authenticate(french_coordinator)
    url = f"/api/v1/sae-report-versions/{draft_of(sae).pk}/"

    refused = api.post(
        url, {"version": 1, "azacitidine_causality": SaeCausality.PROBABLE}, format="json"
    )

    assert refused.status_code == 400
    [message] = refused.json()["azacitidine_causality"]
    assert message.startswith("The patient had received no azacitidine by the onset")
    assert "(30/05/2025)" in message
