"""The patient page reads the blood counts and transfusions in bulk: it costs the same
number of queries with one count as with a cycle's worth of them, and the counts list of
the API the same with one patient's counts as with three patients'."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import screen_patient
from tests.labs.builders import record_count, record_transfusion
from tests.visits.builders import randomize, record_cycle

CYCLE_ON = dt.date(2025, 3, 6)


def _in_induction(site, user, samples: int):
    patient = screen_patient(site=site, user=user)
    randomize(patient, user)
    record_cycle(patient, user, CYCLE_ON, dt.date(2025, 3, 12))
    for n in range(samples):
        on = CYCLE_ON + dt.timedelta(days=3 * n)
        record_count(patient, user, 1, on)
        record_transfusion(patient, user, 1, on)
    return patient


def _queries(client, url: str) -> int:
    client.get(url)  # the first request fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_patient_page_costs_the_same_whatever_the_number_of_counts(
    client, site_a, coordinator, frozen_today
):
    one = _in_induction(site_a, coordinator, 1)
    twelve = _in_induction(site_a, coordinator, 12)
    client.force_login(coordinator)

    page = client.get(f"/patients/{twelve.study_id}/").content.decode()
    assert page.count(">0.20</td>") == 12  # every count is on the timeline

    assert _queries(client, f"/patients/{twelve.study_id}/") == _queries(
        client, f"/patients/{one.study_id}/"
    )


def test_the_counts_list_costs_the_same_whatever_the_number_of_patients(
    site_a, coordinator, data_manager, frozen_today
):
    _in_induction(site_a, coordinator, 2)
    api = APIClient()
    api.force_authenticate(data_manager)
    with_one = _queries(api, "/api/v1/blood-counts/")

    for _ in range(2):
        _in_induction(site_a, coordinator, 4)

    assert len(api.get("/api/v1/blood-counts/").json()["results"]) == 10
    assert _queries(api, "/api/v1/blood-counts/") == with_one
