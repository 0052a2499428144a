"""The CONSORT page in the browser: the figure the worker drew is inlined under the
Content-Security-Policy (no violation), each count in it is a link a reader can click to the
patients behind it; the DMC report prints with its closed-session header."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import all_criteria_met, screen_patient

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def small_trial(randomized_ago, induction_given, site_a, coordinator):
    """Three patients randomized and treated as allocated, one screen failure."""
    for days in (120, 90, 60):
        induction_given(randomized_ago(days), started=days - 2, ended=days - 8)
    screen_patient(site=site_a, user=coordinator, answers={**all_criteria_met(), "EXC_APL": True})


def test_a_count_in_the_figure_opens_the_list_behind_it(
    page: Page, log_in, dmc, small_trial, eager
):
    seen: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text))
    log_in("dmc")

    page.goto("/oversight/consort/")
    # The first view queues the figure; the page's script reloads it once drawn.
    figure = page.locator("#consort-figure svg")
    expect(figure).to_be_visible()
    expect(figure.get_by_text("Assessed for eligibility (n=4)")).to_be_visible()
    figure.get_by_text("Randomized (n=3)").click()

    page.wait_for_url("**/oversight/consort/randomized/**")
    expect(page.locator("#box-count")).to_have_text("3")
    expect(page.locator("#consort-list tbody tr")).to_have_count(3)
    assert not [text for text in seen if "CSP" in text or "Content Security Policy" in text]


def test_the_closed_part_prints_with_its_confidential_header(page: Page, log_in, dmc, small_trial):
    log_in("dmc")
    page.goto("/oversight/dmc-report/?part=closed")
    expect(page.locator("#confidential-header")).to_be_hidden()

    page.emulate_media(media="print")

    expect(page.locator("#confidential-header")).to_be_visible()
    expect(page.locator("#confidential-header")).to_have_text("CONFIDENTIAL — closed session")
    expect(page.get_by_role("button", name="Print / save as PDF")).to_be_hidden()
    expect(page.locator("#generations")).to_be_hidden()
