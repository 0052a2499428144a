"""A date typed day first is saved as that day whatever the browser's locale.

Pharmacovigilance enters a new RSI version from an American Chromium (en-US, New York
time): with the browser's own date input, 03/04 would be 4 March. The effective date is a
text input asking dd/mm/yyyy, read on the server: 03/04 is 3 April, typed with JavaScript
or without. A date that does not exist comes back as typed with the form it should have;
the calendar button writes the chosen day back day first. Real time: the year is next
year's (an RSI is never retroactive).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from pharmacovigilance.models import ReferenceSafetyInformation
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD, UserFactory
from tests.pharmacovigilance.seeds import reference_safety_information_ensure

pytestmark = pytest.mark.browser

RSI_PAGE = "/pharmacovigilance/rsi/"
DOCUMENT = "SmPC Dexamethasone Mylan 4 mg, rev. typed day first"


@pytest.fixture
def pharmacovigilance(db):
    reference_safety_information_ensure()  # flushed by an earlier live-server test
    return UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)


def _american_page(browser, live_server, *, javascript: bool = True) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="America/New_York",
        java_script_enabled=javascript,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill("pv")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")
    page.goto(RSI_PAGE)
    yield page
    context.close()


@pytest.fixture
def american_page(browser, live_server, pharmacovigilance) -> Iterator[Page]:
    yield from _american_page(browser, live_server)


@pytest.fixture
def american_page_without_javascript(browser, live_server, pharmacovigilance) -> Iterator[Page]:
    yield from _american_page(browser, live_server, javascript=False)


def _enter_version(page: Page, effective_from: str) -> None:
    page.locator("#id_drug").select_option("dexamethasone")
    page.locator("#id_document").fill(DOCUMENT)
    page.get_by_label("Effective from").press_sequentially(effective_from)
    page.get_by_label("Hyperglycemia", exact=True).check()
    page.get_by_role("button", name="Enter the version").click()


def test_a_date_typed_day_first_in_an_american_browser_is_saved_as_that_day(american_page, today):
    page = american_page
    year = today.year + 1
    assert page.evaluate("navigator.language") == "en-US"
    effective_from = page.get_by_label("Effective from")
    expect(effective_from).to_have_attribute("type", "text")
    expect(effective_from).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(effective_from).to_have_attribute("inputmode", "numeric")

    _enter_version(page, f"03/04/{year}")

    expect(page.locator("p.message")).to_contain_text("RSI version entered")
    assert ReferenceSafetyInformation.objects.get(document=DOCUMENT).effective_from == dt.date(
        year, 4, 3
    )
    expect(page.locator("#rsi-versions tr", has_text=DOCUMENT)).to_contain_text(f"03/04/{year}")


def test_typing_a_date_needs_no_javascript(american_page_without_javascript, today):
    page = american_page_without_javascript
    year = today.year + 1
    expect(page.get_by_role("button", name="Calendar")).to_have_count(0)

    _enter_version(page, f"03/04/{year}")

    expect(page.locator("#rsi-versions tr", has_text=DOCUMENT)).to_contain_text(f"03/04/{year}")
    assert ReferenceSafetyInformation.objects.get(document=DOCUMENT).effective_from == dt.date(
        year, 4, 3
    )


def test_a_date_that_does_not_exist_comes_back_as_typed_with_its_error(american_page, today):
    page = american_page
    typed = f"31/02/{today.year + 1}"

    _enter_version(page, typed)

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    field = page.locator(".field.invalid")
    expect(field).to_have_count(1)
    expect(field.get_by_role("alert")).to_have_text("Enter a date as dd/mm/yyyy.")
    expect(page.get_by_label("Effective from")).to_have_value(typed)
    expect(page.locator("#id_document")).to_have_value(DOCUMENT)
    assert not ReferenceSafetyInformation.objects.filter(document=DOCUMENT).exists()


def test_the_calendar_button_writes_the_chosen_day_back_day_first(american_page, today):
    page = american_page
    year = today.year + 1
    expect(page.get_by_role("button", name="Calendar")).to_be_visible()

    # What the browser's picker does when a day is chosen: the hidden native input changes.
    page.locator("input.date-input-native").evaluate(
        "(native, day) => { native.value = day; native.dispatchEvent(new Event('change')); }",
        f"{year}-04-03",
    )

    expect(page.get_by_label("Effective from")).to_have_value(f"03/04/{year}")
