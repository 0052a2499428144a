"""Screening, as a coordinator does it: the log-in page, the form, the screening log.

Chromium drives the real pages against a live server, so the templates, the CSRF token,
the session cookie and the site scoping are all exercised together. The rules themselves
are tested at their boundaries in tests/patients/test_screening_rules.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

import protocol
from patients.models import Patient

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


def _iso(day: dt.date) -> str:
    """Return a date as a date input holds it."""
    return day.isoformat()


def _fill_patient_and_consent(
    page: Page,
    *,
    sex: str,
    year_of_birth: int,
    consent_on: dt.date,
    age_at_consent: int,
    screened_on: dt.date,
) -> None:
    page.get_by_label("Sex").select_option(label=sex)
    page.get_by_label("Year of birth").fill(str(year_of_birth))
    page.get_by_label("Informed consent signed on").fill(_iso(consent_on))
    page.get_by_label("Age at consent").fill(str(age_at_consent))
    page.get_by_label("Screening visit on").fill(_iso(screened_on))


def _answer_checklist(page: Page, *, failing: tuple[str, ...] = ()) -> None:
    """Answer every criterion as an eligible patient would, except the `failing` codes."""
    for item in protocol.ELIGIBILITY_CRITERIA:
        met = item.kind is protocol.CriterionKind.INCLUSION
        answer = met if item.code not in failing else not met
        page.locator(
            f"input[name='criterion_{item.code}'][value='{'yes' if answer else 'no'}']"
        ).check()


def _fill_baseline(page: Page, *, diagnosis_on: dt.date, relapse_on: dt.date) -> None:
    """Baseline disease data of a patient in first relapse, FLT3-ITD positive."""
    page.get_by_label("AML first diagnosed on").fill(_iso(diagnosis_on))
    page.get_by_label("Disease status").select_option(label="First relapse")
    page.get_by_label("Relapse / refractoriness documented on").fill(_iso(relapse_on))
    page.get_by_label("ECOG performance status").fill("1")
    page.get_by_label("White-cell count").fill("4.20")
    page.get_by_label("Marrow blasts").fill("32.0")
    page.get_by_label("Cytogenetic risk").select_option(label="Intermediate")
    page.get_by_label("ELN 2017 risk group").select_option(label="Intermediate")
    page.get_by_label("Prior lines of therapy").fill("1")
    page.get_by_label("Prior allo-HSCT").select_option(label="No")
    page.get_by_label("FLT3-ITD").select_option(label="Detected")


def _reason_lines(*codes: str) -> list[str]:
    """Return the screen-failure reason the protocol gives for these failed criteria."""
    lines = []
    for code in codes:
        item = protocol.criterion(code)
        prefix = (
            "Inclusion not met"
            if item.kind is protocol.CriterionKind.INCLUSION
            else "Exclusion applies"
        )
        lines.append(f"{prefix}: {item.text}")
    return lines


def test_it_puts_an_eligible_patient_and_a_screen_failure_in_the_screening_log(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    patient_b,
    today,
):
    log_in(coordinator.username)

    # An eligible woman of 64 in first relapse, consented 4 days ago, screened 3 days ago.
    eligible_consent, eligible_screened = today - 4 * DAY, today - 3 * DAY
    page.get_by_role("link", name="Screen a patient").click()
    page.wait_for_url(f"{live_server.url}/screening/new/")
    _fill_patient_and_consent(
        page,
        sex="Female",
        year_of_birth=eligible_consent.year - 64,
        consent_on=eligible_consent,
        age_at_consent=64,
        screened_on=eligible_screened,
    )
    _answer_checklist(page)
    _fill_baseline(page, diagnosis_on=today - 400 * DAY, relapse_on=today - 10 * DAY)
    page.get_by_role("button", name="Save screening").click()

    page.wait_for_url(f"{live_server.url}/patients/03-001/")
    expect(page.get_by_role("status")).to_have_text("Patient 03-001 screened: eligible.")
    expect(page.locator("h1 .badge")).to_have_text("Eligible")
    expect(page.locator(".cards")).to_contain_text("First relapse")
    expect(page.locator(".chip.detected")).to_have_text("FLT3-ITD: Detected")

    # A man of 71 not fit for either salvage regimen and with a contraindication to steroids:
    # a screen failure, so the baseline disease data may stay empty.
    failure_consent, failure_screened = today - 2 * DAY, today - DAY
    failing = ("INC_SALVAGE", "EXC_STEROID_CONTRAINDICATION")
    page.goto("/screening/new/")
    _fill_patient_and_consent(
        page,
        sex="Male",
        year_of_birth=failure_consent.year - 71,
        consent_on=failure_consent,
        age_at_consent=71,
        screened_on=failure_screened,
    )
    _answer_checklist(page, failing=failing)
    page.get_by_role("button", name="Save screening").click()

    page.wait_for_url(f"{live_server.url}/patients/03-002/")
    expect(page.get_by_role("status")).to_have_text("Patient 03-002 screened: screen failure.")
    expect(page.locator("h1 .badge")).to_have_text("Screen failure")
    expect(page.locator("p.errors")).to_contain_text(_reason_lines(*failing)[0])
    screenshot("screen-failure-record")

    # The screening log: newest screening first, only this coordinator's site.
    page.get_by_role("link", name="Screening log").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".totals")).to_have_text(
        re.compile(r"^2 screened · 1 eligible · 1 screen failures?$")
    )
    rows = page.locator("#screening-log tbody tr")
    expect(rows).to_have_count(2)
    # Inner text, so that the line break between two failed criteria reads as a space.
    expect(rows.nth(0).locator("td")).to_have_text(
        [
            "03-002",
            "03",
            f"{failure_screened:%d/%m/%Y}",
            f"{failure_consent:%d/%m/%Y}",
            "M",
            "71",
            "—",
            "Screen failure",
            "Screen failure",  # status
            "—",  # next due: nothing
            " ".join(_reason_lines(*failing)),
        ],
        use_inner_text=True,
    )
    expect(rows.nth(0).locator(".badge")).to_have_class("badge screen_failure")
    # One failed criterion per line, each in the protocol's words.
    assert rows.nth(0).locator("td.reason").inner_text().splitlines() == _reason_lines(*failing)
    expect(rows.nth(1).locator("td")).to_have_text(
        [
            "03-001",
            "03",
            f"{eligible_screened:%d/%m/%Y}",
            f"{eligible_consent:%d/%m/%Y}",
            "F",
            "64",
            "First relapse",
            "Eligible",
            "Eligible, not randomized",  # status
            "Randomization",  # next due
            "",
        ]
    )
    expect(rows.nth(1).locator(".badge")).to_have_class("badge eligible")
    expect(page.locator("#screening-log")).not_to_contain_text(patient_b.study_id)
    screenshot("screening-log")

    # The study ID links to the record.
    rows.nth(1).get_by_role("link", name="03-001").click()
    page.wait_for_url(f"{live_server.url}/patients/03-001/")


def test_it_shows_another_sites_patient_as_not_found(
    page,
    log_in,
    live_server,
    coordinator,
    patient_b,
):
    log_in(coordinator.username)

    for path in (
        f"/patients/{patient_b.study_id}/",
        f"/patients/{patient_b.study_id}/screening/edit/",
    ):
        response = page.goto(path)

        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("main")).not_to_contain_text(patient_b.study_id)
    # Not found because it is hidden from this coordinator, not because it does not exist.
    assert Patient.objects.filter(study_id=patient_b.study_id).exists()


def test_it_keeps_what_was_typed_and_names_the_field_when_screening_precedes_consent(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    today,
):
    log_in(coordinator.username)
    consent_on, screened_on = today - 2 * DAY, today - 5 * DAY
    page.goto("/screening/new/")
    _fill_patient_and_consent(
        page,
        sex="Female",
        year_of_birth=consent_on.year - 58,
        consent_on=consent_on,
        age_at_consent=58,
        screened_on=screened_on,
    )
    _answer_checklist(page)
    _fill_baseline(page, diagnosis_on=today - 300 * DAY, relapse_on=today - 30 * DAY)
    page.get_by_role("button", name="Save screening").click()

    summary = page.locator(".errors.summary")
    expect(summary).to_contain_text("Nothing was saved. Please correct:")
    expect(summary.get_by_role("link")).to_have_text(["Screening visit on"])
    assert page.url == f"{live_server.url}/screening/new/"
    # The only field marked is the screening date, with the reason beside it.
    invalid = page.locator(".field.invalid")
    expect(invalid).to_have_count(1)
    expect(invalid.locator("label")).to_have_text("Screening visit on *")
    expect(invalid.get_by_role("alert")).to_have_text(
        f"Study procedures must follow informed consent: {screened_on:%d/%m/%Y} is before "
        f"consent on {consent_on:%d/%m/%Y}."
    )
    expect(page.locator(".checklist tr.invalid")).to_have_count(0)
    screenshot("screening-form-error")

    # Everything typed is still there, the wrong date included, ready to be corrected.
    expect(page.get_by_label("Sex")).to_have_value("F")
    expect(page.get_by_label("Year of birth")).to_have_value(str(consent_on.year - 58))
    expect(page.get_by_label("Informed consent signed on")).to_have_value(_iso(consent_on))
    expect(page.get_by_label("Age at consent")).to_have_value("58")
    expect(page.get_by_label("Screening visit on")).to_have_value(_iso(screened_on))
    for item in protocol.ELIGIBILITY_CRITERIA:
        met = "yes" if item.kind is protocol.CriterionKind.INCLUSION else "no"
        expect(page.locator(f"input[name='criterion_{item.code}'][value='{met}']")).to_be_checked()
    expect(page.get_by_label("AML first diagnosed on")).to_have_value(_iso(today - 300 * DAY))
    expect(page.get_by_label("Disease status")).to_have_value("first_relapse")
    expect(page.get_by_label("Relapse / refractoriness documented on")).to_have_value(
        _iso(today - 30 * DAY)
    )
    expect(page.get_by_label("ECOG performance status")).to_have_value("1")
    expect(page.get_by_label("White-cell count")).to_have_value("4.20")
    expect(page.get_by_label("Marrow blasts")).to_have_value("32.0")
    expect(page.get_by_label("Prior allo-HSCT")).to_have_value("false")
    expect(page.get_by_label("FLT3-ITD")).to_have_value("detected")
    assert not Patient.objects.exists()
