"""The site dashboard lists the SAEs whose initial or follow-up report is not submitted, with
the clock; a submitted report leaves it. (It replaces the former 'SAE awaiting review' list:
the review marks, sae_reviewed_at/by, stay on the events as history.)"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safety.services import sae_follow_up_start
from tests.safety.conftest import complete, submit


def test_an_sae_awaiting_its_initial_report_is_on_the_dashboard_with_its_clock(
    client, sae, investigator
):
    client.force_login(investigator)

    page = client.get("/").content.decode()

    assert 'id="saes-awaiting"' in page
    assert f'href="/safety/sae/{sae.pk}/"' in page
    assert "Initial report due in 24 h 00 min" in page
    assert "03/06/2025 12:00 CEST (Europe/Paris) · 03/06/2025 10:00 UTC" in page
    assert "Mark reviewed" not in page


def test_a_submitted_report_leaves_the_dashboard_until_a_follow_up_is_started(
    client, sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    submit(sae, investigator, signing_request)
    client.force_login(investigator)

    assert 'id="saes-awaiting"' not in client.get("/").content.decode()

    sae_follow_up_start(report=sae, user=coordinator)
    page = client.get("/").content.decode()
    assert "follow-up 1" in page
    assert "Initial report submitted on time" in page


def test_another_sites_dashboard_does_not_list_it(client, sae, coordinator_b):
    client.force_login(coordinator_b)

    assert 'id="saes-awaiting"' not in client.get("/").content.decode()


def test_the_list_costs_one_query_however_many_saes(sae, investigator):
    from safety.selectors import sae_reports_awaiting_submission

    with CaptureQueriesContext(connection) as queries:
        rows = sae_reports_awaiting_submission(investigator)

    assert len(rows) == 1
    assert len(queries) == 1  # the reports, their events, patients and clocks together
