from __future__ import annotations

import pytest

from randomization.models import Randomization
from tests.browser.test_randomization_in_the_browser import patient_a  # noqa: F401

pytestmark = pytest.mark.browser


def test_explore(page, log_in, live_server, coordinator, patient_a):  # noqa: F811
    log_in(coordinator.username)
    page.goto(f"/patients/{patient_a.study_id}/randomize/")
    page.get_by_label("Azacitidine").check()
    page.locator("#randomize-button").click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/randomization-screens/randomize-missing-confirmation.png", full_page=True)
    print("ERROR HTML", page.locator("#randomize-form").inner_html())
    page.locator("input[name='confirm_eligible']").check()
    page.locator("#randomize-button").click()
    page.wait_for_url("**/randomization/")
    print("HISTORY LEN", page.evaluate("history.length"))
    r = page.go_back()
    print("BACK 1 url", page.url, r and r.status)
    page.screenshot(path="/tmp/randomization-screens/back-1.png", full_page=True)
    print("BODY", page.locator("body").inner_text()[:600])
    print("COUNT", Randomization.objects.count())
    b = page.locator("#randomize-button")
    print("disabled", b.is_disabled(), "confirm", page.locator("input[name='confirm_eligible']").is_checked())
    page.screenshot(path="/tmp/randomization-screens/back-1.png", full_page=True)
    if b.is_disabled():
        page.evaluate("document.querySelector('#randomize-button').disabled = false")
    page.locator("input[name='confirm_eligible']").check()
    b.click()
    page.wait_for_load_state()
    print("AFTER RESUBMIT", page.url, page.locator("main").inner_text()[:300])
    print("COUNT", Randomization.objects.count())
    page.goto(f"/patients/{patient_a.study_id}/")
    page.screenshot(path="/tmp/randomization-screens/patient-after.png", full_page=True)
    page.goto("/")
    print("DASH", page.locator("#screening-log").inner_text())


def test_explore_fresh_back(page, log_in, live_server, coordinator, patient_a):  # noqa: F811
    log_in(coordinator.username)
    page.goto(f"/patients/{patient_a.study_id}/")
    page.get_by_role("link", name="Randomize").click()
    page.get_by_label("Azacitidine").check()
    page.locator("input[name='confirm_eligible']").check()
    page.locator("#randomize-button").click()
    page.wait_for_url("**/randomization/")
    r = page.go_back()
    print("BACK url", page.url, r and r.status)
    print("BUTTON disabled?", page.locator("#randomize-button").count() and page.locator("#randomize-button").is_disabled())
    page.screenshot(path="/tmp/randomization-screens/back-fresh.png", full_page=True)
    print("COUNT", Randomization.objects.count())
