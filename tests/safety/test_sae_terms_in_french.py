"""Serious adverse events on a French reader's pages: the CTCAE term in French (with the
coded English term beside it, as the AE form shows it) on the screening log's SAE panel, the
SAE list and the SAE report; the safety tables' SAE listing with the term and its class in
French, dates dd/mm/yyyy and Oui/Non, while its CSV stays coded English.

Patient 31-001 randomized on 5 March 2025, a grade 3 lung infection on 30 May 2025."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import SiteFactory, UserFactory, screen_patient
from tests.visits.builders import randomize, record_adverse_event, record_cycle

TERM_FR = "Infection pulmonaire (Lung infection), grade 3"


@pytest.fixture
def french_site(db):
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


@pytest.fixture
def french_statistician(statistician):
    statistician.language = "fr"
    statistician.save(update_fields=["language"])
    return statistician


@pytest.fixture
def lung_infection(french_site, french_coordinator, frozen_today):
    patient = screen_patient(site=french_site, user=french_coordinator)
    randomize(patient, french_coordinator)
    record_cycle(patient, french_coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return record_adverse_event(
        patient, french_coordinator, dt.date(2025, 5, 30), term="Lung infection", grade=3
    )


def test_it_names_the_sae_in_french_on_the_site_s_pages(client, lung_infection, french_coordinator):
    client.force_login(french_coordinator)
    report = lung_infection.sae_report

    for url in (
        reverse("dashboard"),
        reverse("safety-sae-list"),
        reverse("safety-sae-report", args=[report.pk]),
    ):
        page = client.get(url).content.decode()
        assert TERM_FR in page, url
        assert "Lung infection, grade 3" not in page, url


def test_it_lists_the_sae_in_french_in_the_safety_tables_and_in_english_in_the_csv(
    client, lung_infection, french_statistician
):
    client.force_login(french_statistician)

    page = client.get(reverse("safety-tables")).content.decode()
    listing = page.split('id="sae-listing"', 1)[1].split("</table>", 1)[0]
    csv = client.get(reverse("safety-table-csv", args=["sae-listing"])).content.decode()

    for french in (
        "<td>Infection pulmonaire</td>",
        "<td>Infections et infestations</td>",
        "<td>30/05/2025</td>",
        "<td>Non</td>",  # not treatment-emergent: TRTEMFL N in the CSV
    ):
        assert french in listing, french
    for english in ("Lung infection", "Infections and infestations", "2025-05-30", "<td>N</td>"):
        assert english not in listing, english
    assert "Lung infection,Infections and infestations,3,2025-05-30" in csv
