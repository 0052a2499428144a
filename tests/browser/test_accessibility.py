"""WCAG 2.1 AA on every page, for every role, on a desktop and on a phone; no sideways scroll.

axe-core (vendored, static/vendor/axe/) runs its WCAG 2.0/2.1 level A and AA rules on each
page a role reaches by links from its landing page, in the demo trial (some of everything):
the screening log, patient pages, every record form, the worklist, queries, analyses, safety
and pharmacovigilance pages, notices, locks, CONSORT, the DMC report, interim analyses and data
cuts, as far as the role may see them. Each role must also reach the pages listed for it
below, so a crawl that stopped early cannot pass. The coordinator's forms (screening, every
record form, a visit) are also checked sent empty, showing their errors.

Usable on a phone (390 × 844 CSS pixels): wide tables scroll inside their own box, the
header's links wrap, form grids and cards stack in one column (static/trial.css). On every
page the document is never wider than the window, and axe-core finds no violation there
either: a table scrolling in its box is a named region the keyboard reaches
(static/js/table-scroll.js).

One crawl serves both: each page is opened once, on the phone (measured, then checked), and
the same page widened to a desktop window is checked again (table-scroll.js follows a resize).
Seeding the trial, logging in and rendering every page once rather than twice saves minutes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
    submit_empty,
    url_name,
)
from tests.pharmacovigilance.seeds import (
    notification_rules_ensure,
    reference_safety_information_ensure,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}  # Playwright's default window
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Two frames after a resize: the page's resize listeners have run (they run before a frame).
AFTER_RESIZE = """async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame();
  await frame();
  return window.innerWidth;
}"""

# The pages each role must have been checked on at desktop width (by URL name), at the least.
MUST_CHECK = {
    "coord01": {
        "dashboard",
        "screening-new",
        "screening-edit",
        "patient-detail",
        "patient-history",
        "record-new",
        "record-edit",
        "record-edit-single",
        "visit-record",
        "worklist",
        "review-queries",
        "review-patient",
        "analysis-dashboard",
        "safety-sae-list",
        "safety-sae-report",
        "safety-sae-edit",
        "notices",
        "screening-new with errors",
        "record-new with errors",
        "visit-record with errors",
    },
    "inv01": {"dashboard", "patient-detail", "safety-sae-report", "notices"},
    "mon01": {"dashboard", "review-patient", "review-queries", "worklist", "patient-history"},
    "dm": {"review-locks", "review-patient", "oversight-consort", "lockouts"},
    "sponsor": {"dashboard", "analysis-dashboard", "oversight-consort"},
    "stat": {"safety-tables", "oversight-report", "interim", "datacuts-list"},
    "dmc": {"oversight-report", "oversight-consort-list", "safety-tables"},
    "pv": {"pharmacovigilance", "pharmacovigilance-case", "pharmacovigilance-rsi"},
    "admin": {"dashboard"},
}
# The pages each role must have been measured on at 390 px (by URL name), at the least.
MUST_MEASURE = {
    "coord01": {"dashboard", "patient-detail", "record-new", "visit-record", "worklist"},
    "mon01": {"review-patient", "review-queries"},
    "dm": {"review-locks", "oversight-consort"},
    "stat": {"analysis-dashboard", "safety-tables", "oversight-report", "interim"},
    "pv": {"pharmacovigilance", "pharmacovigilance-case"},
}


# The coordinator's forms sent empty: the page shows them again with every error.
EMPTY_FORMS = {"screening-new", "record-new", "visit-record"}


@dataclass
class Crawl:
    """What the crawl of every page of every role found, on the desktop and on the phone."""

    checked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    violations: list[Violation] = field(default_factory=list)
    measured: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    too_wide: list[str] = field(default_factory=list)
    phone_violations: list[Violation] = field(default_factory=list)


@pytest.fixture
def demo_trial(transactional_db):
    """The demo trial, with the rows the migrations seed (a live-server test flushes them)."""
    reference_safety_information_ensure()
    notification_rules_ensure()
    demo_trial_seed(patients=DEMO_PATIENTS, seed=2018)


@pytest.fixture(scope="module")
def crawls() -> dict[str, Crawl]:
    """The crawl once made, kept for the module's other test (the crawl takes minutes)."""
    return {}


@pytest.fixture
def every_page(request, crawls, browser, live_server) -> Crawl:
    """The crawl of every page of every role, made by the first test that asks for it."""
    if "every role" not in crawls:
        request.getfixturevalue("demo_trial")
        crawls["every role"] = _crawl_every_page(browser, live_server.url)
    return crawls["every role"]


def _resize(page, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    width = page.evaluate(AFTER_RESIZE)
    assert width == size["width"], f"{page.url}: window {width} px wide, not {size['width']}"


def _crawl_every_page(browser, base_url: str) -> Crawl:
    found = Crawl()
    not_linked = randomize_pages()
    for role in DEMO_ROLES:
        context = browser.new_context(base_url=base_url, viewport=PHONE)
        page = context.new_page()
        demo_log_in(page, role)
        forms: list[str] = []
        for path in crawl(page, also=(*FORM_PAGES, *not_linked)):
            name = url_name(path)
            found.measured[role].add(name)
            document_width, window_width = page.evaluate(WIDTHS)
            if document_width > window_width or window_width != PHONE["width"]:
                wide = f"{document_width} px wide in {window_width}"
                found.too_wide.append(f"[{role}] {path}: {wide}")
            found.phone_violations += axe_violations(page, role=f"{role}, 390 px")
            _resize(page, DESKTOP)
            found.checked[role].add(name)
            found.violations += axe_violations(page, role=role)
            if role == "coord01" and name in EMPTY_FORMS:
                forms.append(path)
            _resize(page, PHONE)
        page.set_viewport_size(DESKTOP)
        for path in forms:
            page.goto(path)
            submit_empty(page)
            found.checked[role].add(f"{url_name(path)} with errors")
            found.violations += axe_violations(page, role=f"{role}, form sent empty")
        context.close()
    return found


def test_it_finds_no_violation_on_the_log_in_page(page, live_server):
    page.goto("/login/")

    assert axe_violations(page, role="anonymous") == []


def test_it_shows_the_log_in_page_without_sideways_scroll(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/login/")

    document_width, window_width = page.evaluate(WIDTHS)

    assert window_width == 390
    assert document_width <= window_width
    context.close()


def test_it_finds_no_violation_on_any_page_of_any_role(every_page):
    assert [str(v) for v in every_page.violations] == []
    assert {role: MUST_CHECK[role] - every_page.checked[role] for role in DEMO_ROLES} == {
        role: set() for role in DEMO_ROLES
    }


def test_it_shows_every_page_of_every_role_without_sideways_scroll_nor_violation(every_page):
    assert every_page.too_wide == []
    assert [str(v) for v in every_page.phone_violations] == []
    assert {role: pages - every_page.measured[role] for role, pages in MUST_MEASURE.items()} == {
        role: set() for role in MUST_MEASURE
    }
