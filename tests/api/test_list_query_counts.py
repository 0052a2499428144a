"""A list costs the same number of queries for 2 patients' records as for 6: rows are read
in bulk with what they show (patient, site, stratum, cycle), never one query per row."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from endpoints.services import analysis_run_request
from tests.api.histories import patient_with_every_record
from tests.api.lists import (
    EARLIER_RANDOMIZED_ON,
    LATER_CUTOFF,
    LATER_RANDOMIZED_ON,
    LISTS,
    page,
)

URLS = ["/api/v1/sites/", *(endpoint.url for endpoint in LISTS)]


def _queries(api, url: str) -> int:
    page(api, url)  # the first call fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        page(api, url)
    return len(queries.captured_queries)


def _sizes(api) -> dict[str, int]:
    return {url: len(api.get(url).json()["results"]) for url in URLS[1:]}


def test_it_lists_with_as_many_queries_for_6_patients_as_for_2(
    two_batches, site_a, site_b, coordinator, coordinator_b, statistician, data_manager, api_as
):
    everyone, site_3 = api_as(data_manager), api_as(coordinator)
    for_two = {url: _queries(everyone, url) for url in URLS}
    at_site_3_for_one = {url: _queries(site_3, url) for url in URLS}

    for _ in range(2):
        patient_with_every_record(site=site_a, user=coordinator, randomized_on=LATER_RANDOMIZED_ON)
        patient_with_every_record(
            site=site_b, user=coordinator_b, randomized_on=EARLIER_RANDOMIZED_ON
        )
    for _ in range(4):
        analysis_run_request(cutoff=LATER_CUTOFF, user=statistician)

    assert set(_sizes(everyone).values()) == {6}
    assert {url: _queries(everyone, url) for url in URLS} == for_two
    assert {url: _queries(site_3, url) for url in URLS} == at_site_3_for_one
