"""The DMC report page shows the closed part's SAE listing 50 rows a page, as the safety page
does, with the tables counting every SAE; the downloaded document keeps every row. Each
page viewed is a generation recorded, of the same content (same SHA-256)."""

from __future__ import annotations

import datetime as dt

import lxml.html
from django.urls import reverse

from oversight import views
from oversight.models import DmcReportGeneration
from tests.endpoints.safety_trial import CYCLE_ENDS, CYCLE_STARTS, adverse_event
from tests.factories import screen_patient
from tests.visits.builders import dexamethasone_relatedness, randomize, record_cycle

ONSET = dt.date(2025, 3, 9)
CLOSED = {"cutoff": "2025-06-02", "part": "closed"}


def _with_an_sae(site, user) -> None:
    patient = screen_patient(site=site, user=user)
    randomize(patient, user)
    record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
    dex = dexamethasone_relatedness(patient, ONSET)
    adverse_event(patient, user, ONSET, "Sepsis", 3, dex=dex, serious=True)


def _listing_rows(answer) -> int:
    page = lxml.html.fromstring(answer.content)
    return len(page.xpath("//section[@id='sae-listing']//tbody/tr"))


def test_it_shows_the_sae_listing_a_page_at_a_time_and_downloads_it_whole(
    client, site_a, coordinator, dmc, frozen_today, monkeypatch
):
    for _ in range(3):
        _with_an_sae(site_a, coordinator)
    monkeypatch.setattr(views, "LISTING_PAGE_SIZE", 2)
    client.force_login(dmc)

    first = client.get(reverse("oversight-report"), CLOSED)
    second = client.get(reverse("oversight-report"), {**CLOSED, "page": 2})
    document = client.get(reverse("oversight-report-download"), CLOSED)

    assert (_listing_rows(first), _listing_rows(second), _listing_rows(document)) == (2, 1, 3)
    assert len(first.context["safety_tables"].listing) == 3
    assert "1–2 of 3" in first.content.decode()
    assert "page=2" in first.content.decode() and "part=closed" in first.content.decode()
    generations = DmcReportGeneration.objects.order_by("pk")
    assert [g.channel for g in generations] == ["page", "page", "download"]
    assert len({g.fingerprint for g in generations}) == 1
