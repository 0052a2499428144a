"""The safety tables in the browser: the statistician reads them by arm, changes the cut-off
with the form and downloads a table as CSV; the sponsor reads them pooled.

The hand-made trial of tests/endpoints/safety_trial.py is made on 2 June 2025 (its dates are
that spring's), and read at that cut-off, so its counts are the ones tested there."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine

from tests.endpoints.safety_trial import hand_made_trial

MADE_ON = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def trial(site_a, coordinator):
    with time_machine.travel(MADE_ON, tick=False):
        return hand_made_trial(site_a, coordinator)


def _cells(page, section: str, code: str) -> list[str]:
    return page.locator(f"#{section} tr[data-code='{code}'] td").all_inner_texts()


@pytest.mark.browser
def test_the_statistician_reads_the_tables_by_arm_and_moves_the_cutoff(
    page, log_in, statistician, trial, screenshot
):
    log_in(statistician.username)
    page.goto("/analyses/safety/?cutoff=2025-06-02")

    assert page.locator("#safety-summary thead th").all_inner_texts()[1:] == [
        "Salvage therapy + dexamethasone\nN = 3",
        "Salvage therapy alone\nN = 3",
        "Total\nN = 6",
    ]
    assert _cells(page, "safety-summary", "TEAEGR3") == ["3 (100.0%)", "1 (33.3%)", "4 (66.7%)"]
    assert _cells(page, "safety-special-interest", "GIBLEED")[:4] == [
        "1 (33.3%)",
        "1",
        "1 (33.3%)",
        "1 (33.3%)",
    ]
    if os.environ.get("SAFETY_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SAFETY_SCREENSHOTS']}/by_arm.png", full_page=True)

    page.get_by_label("Cut-off").fill("2025-03-16")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**cutoff=2025-03-16")
    assert _cells(page, "safety-summary", "TEAEGR3") == ["2 (66.7%)", "1 (33.3%)", "3 (50.0%)"]

    with page.expect_download() as download:
        page.locator("#safety-summary a", has_text="CSV").click()
    assert download.value.suggested_filename == "safety_summary_20250316.csv"


@pytest.mark.browser
def test_the_sponsor_reads_them_pooled(page, log_in, sponsor, trial):
    log_in(sponsor.username)
    page.goto("/analyses/safety/?cutoff=2025-06-02")

    assert page.locator("#safety-summary thead th").all_inner_texts()[1:] == ["All patients\nN = 6"]
    assert _cells(page, "safety-summary", "TEAEGR3") == ["4 (66.7%)"]
    assert "Arm" not in page.locator("#sae-listing thead").inner_text()
    if os.environ.get("SAFETY_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SAFETY_SCREENSHOTS']}/pooled.png", full_page=True)
