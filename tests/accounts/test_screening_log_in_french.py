"""The screening log's reason column shows a screen failure's failed criteria in the
reader's language: a French site's coordinator reads them in French, though the stored
reason (exported, sent by the API) stays English."""

from __future__ import annotations

import lxml.html
import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import SiteFactory, UserFactory, all_criteria_met, screen_patient


@pytest.fixture
def french_site(db):
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


def _reason_cells(page: str) -> list[str]:
    log = lxml.html.fromstring(page).get_element_by_id("screening-log")
    return [cell.text_content() for cell in log.find_class("reason")]


def test_it_shows_the_screen_failure_reason_in_french(
    client, french_site, french_coordinator, frozen_today
):
    answers = {**all_criteria_met(), "EXC_APL": True}
    patient = screen_patient(site=french_site, user=french_coordinator, answers=answers)
    screen_patient(site=french_site, user=french_coordinator)  # eligible: no reason
    client.force_login(french_coordinator)

    page = client.get(reverse("dashboard")).content.decode()

    assert sorted(_reason_cells(page)) == [
        "",
        "Critère de non-inclusion présent\u00a0: Leucémie aiguë promyélocytaire (LAP)",
    ]
    assert "Exclusion applies" not in page
    assert "Acute promyelocytic leukaemia" not in page
    assert (
        patient.screening.failure_reason == "Exclusion applies: Acute promyelocytic leukaemia (APL)"
    )


def test_it_shows_the_stored_reason_to_an_english_reader(
    client, french_site, french_coordinator, frozen_today
):
    answers = {**all_criteria_met(), "EXC_APL": True}
    screen_patient(site=french_site, user=french_coordinator, answers=answers)
    french_coordinator.language = "en"
    french_coordinator.save(update_fields=["language"])
    client.force_login(french_coordinator)

    page = client.get(reverse("dashboard")).content.decode()

    assert _reason_cells(page) == ["Exclusion applies: Acute promyelocytic leukaemia (APL)"]
