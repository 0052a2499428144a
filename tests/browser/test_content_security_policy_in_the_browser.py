"""Pages work under the Content-Security-Policy (issue 12 item 7): Chromium reports every
violation, and none may happen on the analyses page (its polling script, the Kaplan-Meier
figures, the accrual bars), the admin or the API documentation."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from endpoints.services import analysis_run_execute, analysis_run_request
from tests.api.histories import patient_with_every_record
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# Injected by the browser itself (not subject to the page's policy): every violation is
# reported to the console, where the test collects it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """Collect the CSP violations and the console's complaints about the policy."""
    seen: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    return seen


def test_the_analyses_page_works_with_no_csp_violation(
    page: Page, violations, log_in, site_a, coordinator, statistician, today
):
    patient_with_every_record(site=site_a, user=coordinator, randomized_on=dt.date(2025, 3, 5))
    done = analysis_run_request(cutoff=today, user=statistician)
    analysis_run_execute(run_id=done.pk)
    analysis_run_request(cutoff=today - dt.timedelta(days=1), user=statistician)  # still queued
    log_in(statistician.username)

    with page.expect_response(lambda answer: "/status/" in answer.url) as polled:
        page.goto("/analyses/")
    expect(page.locator("img.km").first).to_be_visible()
    expect(page.locator("#accrual svg.bar").first).to_be_attached()

    assert polled.value.ok  # the polling script (static/js/analyses.js) ran
    assert all(
        page.evaluate("(img) => img.complete && img.naturalWidth > 0", img)
        for img in page.locator("img.km").element_handles()
    )
    assert violations == []


def test_the_admin_works_with_no_csp_violation(page: Page, violations, log_in, db):
    log_in(User.objects.create_superuser("sysadmin", password=PASSWORD).username)

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()

    assert violations == []


def test_the_api_documentation_works_with_no_csp_violation(
    page: Page, violations, log_in, data_manager
):
    log_in(data_manager.username)

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("NCT03765541")

    assert violations == []
