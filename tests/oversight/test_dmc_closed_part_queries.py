"""The DMC report's closed part, read for the first time after a write (nothing kept in the
cache: the safety tables and the counts by arm are computed again), costs the same number
of queries with 3 or 12 treated patients, each with a serious and a non-serious adverse
event: the database counts them (endpoints.safety_counts) and the SAE listing is one page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.endpoints.safety_trial import treated_with_adverse_events

CLOSED = reverse("oversight-report") + "?cutoff=2025-06-02&part=closed"


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
    treated_with_adverse_events(site_a, coordinator, 3)
    few = _queries_of_the_closed_part(client)

    treated_with_adverse_events(
        site_a, coordinator, 9
    )  # the writes: the next reading computes afresh
    more = _queries_of_the_closed_part(client)

    assert more <= few
    assert client.get(CLOSED).context["safety_tables"].groups[-1].n == 12
