"""WCAG 2.1 AA on every page, for every role: axe-core finds no violation.

axe-core (vendored, static/vendor/axe/) runs its WCAG 2.0/2.1 level A and AA rules on each
page a role reaches by links from its landing page, in the demo trial (some of everything):
the screening log, patient pages, every record form, the worklist, queries, analyses, safety
and pharmacovigilance pages, notices, locks, CONSORT, the DMC report, interim analyses and data
cuts, as far as the role may see them. Each role must also reach the pages listed for it
below, so a crawl that stopped early cannot pass. The coordinator's forms (screening, every
record form, a visit) are also checked sent empty, showing their errors.
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
    submit_empty,
    url_name,
)
from tests.pharmacovigilance.seeds import (
    notification_rules_ensure,
    reference_safety_information_ensure,
)

pytestmark = pytest.mark.browser

# The pages each role must have been checked on (by URL name), at the least.
MUST_CHECK = {
    "coord01": {
        "dashboard",
        "screening-new",
        "screening-edit",
        "patient-detail",
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
    "mon01": {"dashboard", "review-patient", "review-queries", "worklist"},
    "dm": {"review-locks", "review-patient", "oversight-consort", "lockouts"},
    "sponsor": {"dashboard", "analysis-dashboard", "oversight-consort"},
    "stat": {"safety-tables", "oversight-report", "interim", "datacuts-list"},
    "dmc": {"oversight-report", "oversight-consort-list", "safety-tables"},
    "pv": {"pharmacovigilance", "pharmacovigilance-case", "pharmacovigilance-rsi"},
    "admin": {"dashboard"},
}


# The coordinator's forms sent empty: the page shows them again with every error.
EMPTY_FORMS = {"screening-new", "record-new", "visit-record"}


@pytest.fixture
def demo_trial(transactional_db):
    """The demo trial, with the rows the migrations seed (a live-server test flushes them)."""
    reference_safety_information_ensure()
    notification_rules_ensure()
    demo_trial_seed(patients=DEMO_PATIENTS, seed=2018)


def test_it_finds_no_violation_on_the_log_in_page(page, live_server):
    page.goto("/login/")

    assert axe_violations(page, role="anonymous") == []


def test_it_finds_no_violation_on_any_page_of_any_role(browser, live_server, demo_trial):
    violations: list[Violation] = []
    checked: dict[str, set[str]] = defaultdict(set)
    forms: list[str] = []
    not_linked = randomize_pages()
    for role in DEMO_ROLES:
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        demo_log_in(page, role)
        for path in crawl(page, also=(*FORM_PAGES, *not_linked)):
            checked[role].add(url_name(path))
            violations += axe_violations(page, role=role)
            if role == "coord01" and url_name(path) in EMPTY_FORMS:
                forms.append(path)
        if role == "coord01":
            for path in forms:
                page.goto(path)
                submit_empty(page)
                checked[role].add(f"{url_name(path)} with errors")
                violations += axe_violations(page, role=f"{role}, form sent empty")
        context.close()

    assert [str(v) for v in violations] == []
    assert {role: MUST_CHECK[role] - checked[role] for role in DEMO_ROLES} == {
        role: set() for role in DEMO_ROLES
    }
