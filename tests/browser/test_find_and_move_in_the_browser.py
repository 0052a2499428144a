"""Finding a patient from the header, and the warning before leaving a half-filled form.

Site 03's coordinator has one patient in follow-up, 03-001, whose month-3 visit is due
today; site 07 has 07-001, which site 03 must not find. Dates are the real today's (see
conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

import protocol
from visits.services import end_of_treatment_record

pytestmark = pytest.mark.browser


@pytest.fixture
def followed(randomized_ago, induction_given, coordinator, today):
    """03-001: randomized 110 days ago, induction from 108 to 102 days ago, treatment ended
    92 days ago: the month-3 visit falls within two days of today, its window open."""
    patient = randomized_ago(110)
    induction_given(patient, started=108, ended=102)
    end_of_treatment_record(
        patient=patient,
        user=coordinator,
        values={
            "ended_on": today - dt.timedelta(days=92),
            "reason": protocol.EndOfTreatmentReason.COMPLETED,
        },
    )
    return patient


def _find(page, text: str) -> None:
    box = page.get_by_label("Find a patient")
    box.fill(text)
    box.press("Enter")


def test_the_header_search_opens_a_patient_lists_matches_and_never_another_sites(
    page, log_in, live_server, coordinator, followed, patient_b, screenshot
):
    log_in(coordinator.username)

    # A study ID, however typed, opens the patient's page.
    _find(page, "3-1")
    page.wait_for_url(f"{live_server.url}/patients/03-001/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patient 03-001")

    # Another site's patient is not found, and the page says so (no 404).
    _find(page, "07-001")
    page.wait_for_url(re.compile(r"/patients/find/\?q=07-001$"))
    expect(page.locator("#no-patient")).to_have_text(
        "No patient at your sites has a study ID containing “07-001”."
    )
    expect(page.locator("body")).not_to_contain_text("07-001 ·")
    screenshot("search-not-found")

    # Part of a study ID lists the visible patients containing it, each a link.
    _find(page, "001")
    expect(page.locator("#search-results tbody tr")).to_have_count(1)
    page.locator("#search-results").get_by_role("link", name="03-001").click()
    page.wait_for_url(f"{live_server.url}/patients/03-001/")


def test_leaving_a_half_filled_form_asks_first_and_saving_does_not(
    page, log_in, live_server, coordinator, followed, screenshot
):
    dialogs: list[str] = []

    def _stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # "Stay on this page"

    page.on("dialog", _stay)
    log_in(coordinator.username)
    visit_url = f"{live_server.url}/patients/03-001/visits/M3/?next=%2Fworklist%2F"

    # Untouched, the form is left without a question.
    page.goto("/worklist/")
    page.locator("#worklist").get_by_role("link", name="Record").click()
    page.wait_for_url(visit_url)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Trial").click()
    page.wait_for_url(f"{live_server.url}/")
    assert dialogs == []

    # Half filled, leaving asks; staying keeps what was typed.
    page.goto("/worklist/")
    page.locator("#worklist").get_by_role("link", name="Record").click()
    page.wait_for_url(visit_url)
    reason = page.get_by_label("Why was the visit missed?")
    reason.fill("Patient in hospital elsewhere")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Trial").click()
    for _ in range(50):
        if dialogs:
            break
        page.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(visit_url)
    expect(reason).to_have_value("Patient in hospital elsewhere")

    # Sending the form asks nothing, and leads back to the worklist it was opened from.
    page.get_by_role("button", name="Mark missed").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    expect(page.get_by_role("status")).to_have_text("Visit M3 marked missed.")
    assert dialogs == ["beforeunload"]
    screenshot("worklist-after-missed")


def test_a_page_printed_shows_the_record_without_navigation_or_buttons(
    page, log_in, live_server, coordinator, followed
):
    log_in(coordinator.username)
    page.goto("/patients/03-001/visits/M3/")
    expect(page.get_by_role("button", name="Save visit")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for hidden in (".topbar", "nav.breadcrumbs", "button", "a.button", ".actions"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.get_by_label("Find a patient")).to_be_hidden()
