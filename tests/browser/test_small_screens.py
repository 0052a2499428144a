"""Usable on a phone (390 × 844 CSS pixels): no page scrolls sideways, for any role.

Wide tables scroll inside their own box, the header's links wrap, form grids and cards stack
in one column (static/trial.css). Every page each demo role reaches by links from its landing
page is measured: the document is never wider than the window. On the phone too, axe-core
finds no WCAG 2.1 AA violation: a table scrolling in its box is a named region the keyboard
reaches (static/js/table-scroll.js).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from demo.trial import demo_trial_seed
from tests.browser.a11y import (
    DEMO_PATIENTS,
    DEMO_ROLES,
    FORM_PAGES,
    Violation,
    axe_violations,
    crawl,
    demo_log_in,
    randomize_pages,
    url_name,
)
from tests.pharmacovigilance.seeds import (
    notification_rules_ensure,
    reference_safety_information_ensure,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The pages each role must have been measured on (by URL name), at the least.
MUST_MEASURE = {
    "coord01": {"dashboard", "patient-detail", "record-new", "visit-record", "worklist"},
    "mon01": {"review-patient", "review-queries"},
    "dm": {"review-locks", "oversight-consort"},
    "stat": {"analysis-dashboard", "safety-tables", "oversight-report", "interim"},
    "pv": {"pharmacovigilance", "pharmacovigilance-case"},
}
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def demo_trial(transactional_db):
    """The demo trial, with the rows the migrations seed (a live-server test flushes them)."""
    reference_safety_information_ensure()
    notification_rules_ensure()
    demo_trial_seed(patients=DEMO_PATIENTS, seed=2018)


def test_it_shows_the_log_in_page_without_sideways_scroll(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/login/")

    document_width, window_width = page.evaluate(WIDTHS)

    assert window_width == 390
    assert document_width <= window_width
    context.close()


def test_it_shows_every_page_of_every_role_without_sideways_scroll_nor_violation(
    browser, live_server, demo_trial
):
    too_wide: list[str] = []
    violations: list[Violation] = []
    measured: dict[str, set[str]] = defaultdict(set)
    not_linked = randomize_pages()
    for role in DEMO_ROLES:
        context = browser.new_context(base_url=live_server.url, viewport=PHONE)
        page = context.new_page()
        demo_log_in(page, role)
        for path in crawl(page, also=(*FORM_PAGES, *not_linked)):
            measured[role].add(url_name(path))
            document_width, window_width = page.evaluate(WIDTHS)
            if document_width > window_width:
                too_wide.append(f"[{role}] {path}: {document_width} px wide in {window_width}")
            violations += axe_violations(page, role=f"{role}, 390 px")
        context.close()

    assert too_wide == []
    assert [str(v) for v in violations] == []
    assert {role: pages - measured[role] for role, pages in MUST_MEASURE.items()} == {
        role: set() for role in MUST_MEASURE
    }
