"""The statistician's interim analyses in the browser: a plan typed wrong comes back with the
error beside what was typed, the corrected plan is declared, a look is taken from the finished
analysis run, and the boundary chart loads under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from interim.models import InterimLook
from tests.interim.conftest import analysed, legacy_trial, month  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def test_the_statistician_declares_the_plan_and_takes_a_look(
    page: Page,
    log_in,
    statistician,
    legacy_trial,  # noqa: F811  (the fixtures imported above)
    analysed,  # noqa: F811
):
    legacy_trial(
        [("control", "intensive", day, 0) for day in (20, 35, 50, 65)]
        + [("dex", "intensive", 80, 0), ("dex", "intensive", None, 150)]
    )
    run = analysed(month(6))
    seen: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text))
    log_in("stat")

    page.goto("/interim/")
    page.get_by_label("Deaths planned for the final analysis").fill("20")
    page.get_by_label("Planned looks (information fractions)").fill("0.7, 0.4, 1")
    page.get_by_label("Alpha spending").select_option("asOF")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_text("The fractions must increase")).to_be_visible()
    fractions = page.get_by_label("Planned looks (information fractions)")
    expect(fractions).to_have_value("0.7, 0.4, 1")
    expect(page.get_by_label("Deaths planned for the final analysis")).to_have_value("20")
    fractions.fill("0.33, 0.67, 1")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_text("Interim analysis plan version 1 declared.")).to_be_visible()
    page.get_by_label("Analysis run (cut-off)").select_option(str(run.pk))
    page.get_by_role("button", name="Take the look").click()

    expect(page.get_by_text("Look 1 recorded")).to_be_visible()
    look = InterimLook.objects.get()
    row = page.locator("#look-1")
    expect(row).to_contain_text("01/06/2025")
    expect(row).to_contain_text(f"{look.logrank_z:.3f}")
    expect(row).to_contain_text(f"{look.critical_value:.3f}")
    chart = page.locator("#interim-chart img")
    expect(chart).to_be_visible()
    # decode() waits for the image (drawn by matplotlib on request) and fails if it is broken.
    assert chart.evaluate("image => image.decode().then(() => image.naturalWidth)") > 0
    assert not [text for text in seen if "CSP" in text or "Content Security Policy" in text]
    # The one console error: the first post, refused with its field error (400).
    assert [text for text in seen if "status of" in text] == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
