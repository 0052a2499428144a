"""The DMC report's closed part, read for the first time after a write (nothing kept in the
cache: the safety tables and the counts by arm are computed again), costs the same number
of queries with 3 or 12 treated patients, each with a serious and a non-serious adverse
event: the database counts them (endpoints.safety_counts) and the SAE listing is one page."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.endpoints.safety_trial import CYCLE_ENDS, CYCLE_STARTS, adverse_event
from tests.factories import screen_patient
from tests.visits.builders import dexamethasone_relatedness, randomize, record_cycle

CLOSED = reverse("oversight-report") + "?cutoff=2025-06-02&part=closed"


def _treated(site, user, count: int) -> None:
    for _ in range(count):
        patient = screen_patient(site=site, user=user)
        randomize(patient, user)
        record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
        onset = dt.date(2025, 3, 9)
        dex = dexamethasone_relatedness(patient, onset)
        adverse_event(patient, user, onset, "Sepsis", 3, dex=dex, serious=True)
        adverse_event(patient, user, onset, "Nausea", 1, dex=dex)


def _queries_of_the_closed_part(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CLOSED)
    assert response.status_code == 200
    assert "Sepsis" in response.content.decode()
    return len(queries)


def test_the_closed_part_after_a_write_costs_the_same_queries_with_more_patients(
    client, dmc, site_a, coordinator, frozen_today
):
    client.force_login(dmc)
    _treated(site_a, coordinator, 3)
    few = _queries_of_the_closed_part(client)

    _treated(site_a, coordinator, 9)  # the writes: the next reading computes afresh
    more = _queries_of_the_closed_part(client)

    assert more <= few
    assert client.get(CLOSED).context["safety_tables"].groups[-1].n == 12
