"""The daily tables on a phone (390 × 844), in French: each row is a card, so what a
coordinator acts on is on screen, not off to the right in a box that scrolls sideways.

The worklist's status and its « Saisir » link, the screening log's status and next due visit,
the SAE panel's deadline and the patient page's « Corriger » links must lie inside the
window's 390 px and be clickable; no page scrolls sideways; axe-core finds no WCAG 2.1 AA
violation in the cards. On a desktop the same tables keep their columns. The analyses' figures
keep a readable width on the phone, scrolling in their own box, and link to the full-size SVG.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Locator, Page

from demo.trial import demo_trial_seed
from endpoints import plots
from endpoints.models import AnalysisRun
from tests.browser.a11y import DEMO_PATIENTS, axe_violations, demo_log_in
from tests.browser.conftest import TIMEOUT_MS
from tests.endpoints.figures_trial import STRATA, analysed
from tests.factories import PASSWORD
from tests.pharmacovigilance.seeds import (
    notification_rules_ensure,
    reference_safety_information_ensure,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def demo_trial(transactional_db):
    """The demo trial, with the rows the migrations seed (a live-server test flushes them)."""
    reference_safety_information_ensure()
    notification_rules_ensure()
    demo_trial_seed(patients=DEMO_PATIENTS, seed=2018)


@pytest.fixture
def phone(browser, live_server, demo_trial) -> Page:
    """A coordinator's phone, signed in, the interface switched to French."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    demo_log_in(page, "coord01")
    page.locator("#language-choice").select_option("fr")
    with page.expect_navigation():
        page.locator(".language-choice button").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    yield page
    context.close()


def _on_screen(element: Locator) -> bool:
    """True if the element, scrolled to, lies inside the window's width and is visible."""
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    return (
        element.is_visible()
        and box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= PHONE["width"]
    )


def _fits(page: Page) -> None:
    document_width, window_width = page.evaluate(WIDTHS)
    assert window_width == PHONE["width"]
    assert document_width <= window_width, page.url
    assert axe_violations(page, role="coord01") == []


def test_it_keeps_the_worklist_status_and_record_link_on_a_phone(phone):
    phone.goto("/worklist/")
    row = phone.locator("#worklist tbody tr").first
    status = row.locator("td[data-label='Statut'] .badge")
    record = row.get_by_role("link", name="Saisir")

    assert _on_screen(row.locator("td[data-label='Visite']"))
    assert _on_screen(status)
    assert _on_screen(record)
    _fits(phone)
    with phone.expect_navigation():
        record.click()
    assert "/visits/M" in phone.url


def test_it_keeps_the_screening_log_status_next_due_and_sae_deadline_on_a_phone(phone):
    phone.goto("/")
    row = phone.locator("#screening-log tbody tr").first
    sae = phone.locator("#saes-awaiting tbody tr").first

    assert _on_screen(row.locator("td.status"))
    assert _on_screen(row.locator("td.next-due"))
    assert _on_screen(row.locator("td:first-child a"))
    assert _on_screen(sae.locator("td[data-label^='Échéance']"))
    # The sort links stay above the cards.
    assert _on_screen(phone.locator("#screening-log thead th[aria-sort] a").first)
    _fits(phone)


def test_it_keeps_every_correct_link_of_the_patient_page_on_a_phone(phone):
    phone.goto("/worklist/")
    with phone.expect_navigation():
        phone.locator("#worklist tbody tr").first.locator("td a").first.click()
    corrections = phone.locator("#timeline table").get_by_role("link", name="Corriger")

    assert corrections.count() > 0
    assert all(_on_screen(link) for link in corrections.all())
    _fits(phone)
    first = corrections.first
    with phone.expect_navigation():
        first.click()
    assert "/edit/" in phone.url


def test_it_keeps_the_columns_on_a_desktop(browser, live_server, demo_trial):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    demo_log_in(page, "coord01")
    page.goto("/worklist/")

    assert page.locator("#worklist").evaluate("t => getComputedStyle(t).display") == "table"
    assert page.locator("#worklist thead th").first.is_visible()
    cells = page.locator("#worklist tbody tr").first.locator("td")
    tops = {round(cell.bounding_box()["y"]) for cell in cells.all()}
    assert len(tops) == 1  # one line: the row's cells side by side
    context.close()


@pytest.fixture
def analysis_run(transactional_db):
    """A finished run of the hand-made trial, with its figures as the worker draws them."""
    trial = analysed()
    return AnalysisRun.objects.create(
        cutoff=trial.cutoff,
        strata_factors=STRATA,
        fingerprint="f" * 64,
        status=AnalysisRun.Status.DONE,
        finished_at=dt.datetime.now(tz=dt.UTC),
        results=trial.results,
        figures=plots.analysis_figures(trial.results, "2025-06-02 09:41 UTC"),
    )


def test_it_shows_the_figures_at_a_readable_width_in_their_own_box(
    browser, live_server, analysis_run, statistician
):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(statistician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")
    page.goto("/analyses/")

    for figure in (page.locator("img.km").first, page.locator("img.forest")):
        figure.wait_for()
        assert figure.bounding_box()["width"] >= 700  # was shrunk to the window's ~310 px
        href = figure.locator("xpath=..").get_attribute("href")  # the figure full size
        assert href.split("?")[0].endswith(".svg")
    document_width, window_width = page.evaluate(WIDTHS)
    assert document_width <= window_width
    assert axe_violations(page, role="stat") == []
    context.close()
