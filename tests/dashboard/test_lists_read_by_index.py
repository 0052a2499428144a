"""The few rows a busy page shows of a long list are read in an index's order, so the page's
cost does not grow with the trial: the landing page's most urgent SAE reports awaiting
submission and its most serious open deviations, the query list's newest page, the
worklist's visits whose window has opened.

Each page's own SQL is asked for its plan with sorting and whole-table reads priced out of
reach, as they are at 10,000 patients (where these indexes took the landing page's queries
from 70 to 44 ms and the query list's from 40 to 17): the plan names the index, so a changed
ordering or filter that leaves the index unused fails here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.services import query_raise
from tests.factories import screen_patient
from tests.visits.builders import (
    contradicts_arm,
    cycle_values,
    randomize,
    record_adverse_event,
    record_cycle,
    treated_patient,
)
from visits.services import cycle_record


@pytest.fixture
def busy_trial(site_a, coordinator, data_manager, frozen_today):
    """One of each row the pages list: an SAE report awaiting submission, an open deviation,
    an open query and a patient in follow-up owing visits."""
    with_sae = screen_patient(site=site_a, user=coordinator)
    randomize(with_sae, coordinator)
    record_cycle(with_sae, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_adverse_event(with_sae, coordinator, dt.date(2025, 5, 30), serious=True)

    deviating = randomize(screen_patient(site=site_a, user=coordinator), coordinator)
    values = cycle_values(
        deviating, dt.date(2025, 3, 6), dt.date(2025, 3, 12), **contradicts_arm(deviating)
    )
    cycle_record(patient=deviating.patient, user=coordinator, values=values)

    query_raise(
        user=data_manager,
        record=with_sae.screening,
        field_name="marrow_blasts_pct",
        text="Please confirm against the source document.",
    )
    treated_patient(
        screen_patient(site=site_a, user=coordinator),
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 4, 1),
    )


def _plans(client, path: str, table: str) -> list[str]:
    """The plans of the SELECTs the page runs on `table`, whole reads and sorts priced out."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    selects = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{table}".')
    ]
    assert selects, f"{path} read no row of {table}"
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for sql in selects:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize(
    ("path", "table", "index"),
    [
        ("/", "safety_saereport", "sae_report_by_awareness"),
        ("/", "visits_protocoldeviation", "open_deviations_by_severity"),
        ("/review/queries/", "review_dataquery", "queries_newest_first"),
        ("/worklist/", "visits_followupvisit", "owed_visits_by_window"),
    ],
)
def test_the_page_reads_its_few_rows_through_the_index(
    client, data_manager, busy_trial, path, table, index
):
    client.force_login(data_manager)

    plans = _plans(client, path, table)

    assert any(index in plan for plan in plans), "\n\n".join(plans)
