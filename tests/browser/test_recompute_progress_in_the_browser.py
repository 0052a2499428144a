"""Recompute in the browser: the page comes back at once with the run queued, follows its
progress (static/js/analyses.js polls its status) and shows the results once a real worker
has computed them, labelled with their run and up to date with the data."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.endpoints.test_analysis_runs_on_a_worker import (
    _broker_emptied,
    celery_worker,
    six_patients_in_one_stratum,
)

pytestmark = pytest.mark.browser

A_WORKER_S_RUN_MS = 40_000


@pytest.fixture
def broker():
    _broker_emptied()
    yield
    _broker_emptied()


def test_the_page_follows_the_run_from_queued_to_its_results(
    page: Page, log_in, broker, site_a, coordinator, statistician
):
    six_patients_in_one_stratum(site_a, coordinator)
    log_in(statistician.username)
    page.goto("/analyses/")
    expect(page.locator("body")).to_contain_text("No analysis has been computed yet.")

    page.locator("#recompute").click()

    # Back at once, the run waiting for a worker (none runs yet).
    expect(page.locator("#run-status")).to_have_text("Queued")
    expect(page.locator('#run-steps [aria-current="step"]')).to_have_text("Queued")
    with celery_worker():
        expect(page.locator("#run-of-the-results")).to_contain_text(
            "up to date with the data", timeout=A_WORKER_S_RUN_MS
        )
    expect(page.locator("#run-progress")).to_have_count(0)
    expect(page.locator(".totals").nth(1)).to_contain_text("6 randomized")
