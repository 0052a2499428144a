"""The safety page costs the same with 3 or 30 treated patients: the tables are computed
once and kept until a record they read changes (endpoints/safety_cache.py), and the SAE
listing is shown 50 rows a page (the CSV has them all). A new event shows at once."""

from __future__ import annotations

import datetime as dt

import lxml.html
from django.db import connection
from django.test.utils import CaptureQueriesContext

from endpoints import safety_views
from tests.endpoints.safety_trial import CYCLE_ENDS, CYCLE_STARTS, adverse_event
from tests.factories import screen_patient
from tests.visits.builders import dexamethasone_relatedness, randomize, record_cycle

ONSET = dt.date(2025, 3, 9)


def _treated(site, user, count: int) -> list:
    patients = []
    for _ in range(count):
        patient = screen_patient(site=site, user=user)
        randomize(patient, user)
        record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
        dex = dexamethasone_relatedness(patient, ONSET)
        adverse_event(patient, user, ONSET, "Sepsis", 3, dex=dex, serious=True)
        patients.append(patient)
    return patients


def _main(page) -> str:
    """The page's content (the header's forms carry a new CSRF token each time)."""
    return lxml.html.tostring(lxml.html.fromstring(page.content).get_element_by_id("main"))


def _listing_rows(page) -> int:
    return len(lxml.html.fromstring(page.content).xpath("//section[@id='sae-listing']//tbody/tr"))


def _queries(client) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/analyses/safety/")
    assert page.status_code == 200
    return len(queries.captured_queries), page


def test_it_costs_the_same_queries_with_3_and_30_patients(
    client, site_a, coordinator, statistician, frozen_today
):
    _treated(site_a, coordinator, 3)
    client.force_login(statistician)
    client.get("/analyses/safety/")
    with_3, _ = _queries(client)

    _treated(site_a, coordinator, 27)
    client.get("/analyses/safety/")  # computed again: the records changed
    with_30, page = _queries(client)

    assert with_30 == with_3
    assert page.context["safety_tables"].groups[-1].n == 30


def test_it_reads_the_tables_from_the_cache_until_a_record_changes(
    client, site_a, coordinator, statistician, frozen_today
):
    (patient,) = _treated(site_a, coordinator, 1)
    client.force_login(statistician)
    computed, first = _queries(client)
    cached, second = _queries(client)
    assert cached < computed
    assert _main(second) == _main(first)

    dex = dexamethasone_relatedness(patient, ONSET)
    adverse_event(patient, coordinator, ONSET, "Febrile neutropenia", 3, dex=dex, serious=True)
    _, after = _queries(client)

    assert len(after.context["safety_tables"].listing) == 2
    assert "Febrile neutropenia" in after.content.decode()


def test_each_account_gets_its_own_view_of_the_tables(
    client, site_a, coordinator, statistician, sponsor, frozen_today
):
    _treated(site_a, coordinator, 2)
    client.force_login(statistician)
    assert client.get("/analyses/safety/").context["safety_tables"].by_arm

    client.force_login(sponsor)
    assert not client.get("/analyses/safety/").context["safety_tables"].by_arm


def test_it_shows_the_sae_listing_a_page_at_a_time(
    client, site_a, coordinator, statistician, frozen_today, monkeypatch
):
    _treated(site_a, coordinator, 3)
    monkeypatch.setattr(safety_views, "LISTING_PAGE_SIZE", 2)
    client.force_login(statistician)

    first = client.get("/analyses/safety/")
    second = client.get("/analyses/safety/", {"page": 2})

    assert (_listing_rows(first), _listing_rows(second)) == (2, 1)
    assert "1–2 of 3" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
