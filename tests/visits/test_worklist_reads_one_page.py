"""The worklist's page reads its own rows only: the database sorts every visit owed and
hands over one page of them, so a trial owing thousands of visits costs what one owing a
page of them does (the visits are counted, not read)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import screen_patient
from tests.visits.builders import treated_patient
from visits import views
from visits.selectors import worklist


def _three_treated(site, user, first):
    for n, patient in enumerate(
        (first, screen_patient(site=site, user=user), screen_patient(site=site, user=user))
    ):
        treated_patient(
            patient,
            user,
            cycle_started_on=dt.date(2025, 3, 6),
            cycle_ended_on=dt.date(2025, 3, 12),
            ended_treatment_on=dt.date(2025, 3, 13 + n),
        )


def test_it_reads_only_the_page_of_visits_from_the_database(
    client, site_a, patient_a, coordinator, monkeypatch
):
    _three_treated(site_a, coordinator, patient_a)
    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 1)
    client.force_login(coordinator)
    client.get("/worklist/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/worklist/", {"sort": "study_id", "page": 2})

    visit_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "visits_followupvisit"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert visit_reads and all("LIMIT 1 OFFSET 1" in sql for sql in visit_reads)
    owed = [(row.study_id, row.visit.month) for row in worklist(coordinator, sort="study_id")]
    assert [(r.study_id, r.visit.month) for r in page.context["rows"]] == owed[1:2]


def test_it_counts_the_visits_owed_without_reading_them(site_a, patient_a, coordinator):
    _three_treated(site_a, coordinator, patient_a)
    rows = worklist(coordinator)

    with CaptureQueriesContext(connection) as queries:
        owed = len(rows)

    assert owed == 3
    assert len(queries.captured_queries) == 1
    assert "COUNT(" in queries.captured_queries[0]["sql"]
