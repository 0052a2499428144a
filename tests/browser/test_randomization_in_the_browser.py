"""Randomization, as a coordinator does it: the patient page, the randomize page, the confirmation.

The issue's scenario: a coordinator randomizes a patient and sees the confirmation; the arm
is not visible anywhere before that. A second press, from a stale tab or by coming back to
the randomize page, shows the same confirmation and never draws a second arm.
The allocation rules themselves are tested in tests/randomization/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

import protocol
from randomization.models import AllocationSlot, Randomization
from tests.factories import all_criteria_met, screen_patient

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
# The suite reads English (tests/conftest.py); read here at import, so said again.
with translation.override("en"):
    ARM_LABELS = tuple(str(arm.label) for arm in protocol.Arm)


@pytest.fixture
def patient_a(site_a, coordinator, today):
    """This site's eligible patient in first relapse, screened three days ago.

    Replaces the patient_a of tests/conftest.py, which freezes the clock (see conftest.py).
    """
    consent_on = today - 4 * DAY
    return screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 3 * DAY,
        diagnosis_on=today - 400 * DAY,
        disease_status_on=today - 10 * DAY,
    )


@pytest.fixture
def screen_failure(site_a, coordinator, today):
    """This site's patient excluded for acute promyelocytic leukaemia, screened yesterday."""
    consent_on = today - 2 * DAY
    return screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 59,
        age_at_consent=58,
        consent_on=consent_on,
        screened_on=today - DAY,
        diagnosis_on=today - 200 * DAY,
        disease_status_on=today - 10 * DAY,
        answers={**all_criteria_met(), "EXC_APL": True},
    )


def _assert_no_arm_shown(page: Page, where: str) -> None:
    """Neither arm is in the page: not in its text, nor hidden anywhere in its HTML."""
    text, html = page.locator("body").inner_text(), page.content()
    for label in ARM_LABELS:
        assert label not in text, f"{label!r} shown on {where}"
        assert label not in html, f"{label!r} hidden in the HTML of {where}"


def _definitions(page: Page) -> dict[str, str]:
    """Return the confirmation's terms and their values, as a reader sees them."""
    confirmation = page.locator("#randomization-confirmation")
    terms = confirmation.locator("dt").all_inner_texts()
    values = confirmation.locator("dd").all_inner_texts()
    assert len(terms) == len(values)
    return dict(zip(terms, values, strict=True))


def test_it_shows_the_arm_only_on_the_confirmation_and_never_draws_a_second_one(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    patient_a,
):
    study_id = patient_a.study_id
    patient_url = f"{live_server.url}/patients/{study_id}/"
    randomize_url = f"{patient_url}randomize/"
    confirmation_url = f"{patient_url}randomization/"
    log_in(coordinator.username)

    # Before randomization the arm is nowhere: the screening log, the patient page, the form.
    _assert_no_arm_shown(page, "the screening log")
    page.get_by_role("link", name=study_id).click()
    page.wait_for_url(patient_url)
    _assert_no_arm_shown(page, "the patient page")
    page.locator("#randomization").get_by_role("link", name="Randomize").click()
    page.wait_for_url(randomize_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Randomize patient {study_id}")
    _assert_no_arm_shown(page, "the randomize page")

    # Pressed without confirming eligibility: the box is marked, the regimen kept, no arm.
    page.get_by_label("Azacitidine").check()
    page.locator("#randomize-button").click()
    expect(page.locator(".errors.summary")).to_contain_text("The patient was not randomized.")
    assert page.url == randomize_url
    invalid = page.locator(".field.invalid")
    expect(invalid).to_have_count(1)
    expect(invalid.locator("input[name='confirm_eligible']")).not_to_be_checked()
    expect(invalid.get_by_role("alert")).to_have_text("Confirm eligibility before randomizing.")
    expect(page.get_by_label("Azacitidine")).to_be_checked()
    _assert_no_arm_shown(page, "the randomize page with an error")
    assert not Randomization.objects.filter(patient=patient_a).exists()

    # Meanwhile the same form is open, confirmed, in a second tab of the same session.
    stale = page.context.new_page()
    stale.goto(randomize_url)
    stale.get_by_label("Intensive: amsacrine + cytarabine").check()
    stale.locator("input[name='confirm_eligible']").check()

    # Confirmed and pressed: the printable confirmation, with the one arm drawn.
    page.locator("input[name='confirm_eligible']").check()
    page.locator("#randomize-button").click()
    page.wait_for_url(confirmation_url)
    randomization = Randomization.objects.select_related("stratum").get(patient=patient_a)
    assert randomization.regimen == protocol.Regimen.AZACITIDINE
    assert randomization.randomized_by == coordinator
    # In the trial's time, its zone named (UTC on hover: audit/time_stamps.py).
    randomized_at = timezone.localtime(randomization.randomized_at)
    shown = _definitions(page)
    assert coordinator.username in shown["Randomized by"]
    assert {term: value for term, value in shown.items() if term != "Randomized by"} == {
        "Study ID": study_id,
        "Site": str(patient_a.site),
        "Randomized on": f"{randomized_at:%d/%m/%Y %H:%M} {randomized_at.tzname()}",
        "Salvage regimen": "Azacitidine",
        # No position in the stratum: in a small stratum it helps guess the next arm.
        "Stratum": randomization.stratum.label,
        "Arm": randomization.get_arm_display(),
    }
    assert shown["Arm"] in ARM_LABELS
    assert shown["Stratum"].startswith("Azacitidine · site 03 · relapsed")
    assert abs(timezone.now() - randomization.randomized_at) < dt.timedelta(minutes=5)
    expect(page.locator("#arm")).to_have_text(randomization.get_arm_display())
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot("randomization-confirmation")

    # The stale tab's press lands on the same confirmation; nothing is drawn again.
    stale.locator("#randomize-button").click()
    stale.wait_for_url(confirmation_url)
    assert _definitions(stale) == shown
    stale.close()
    # Coming back to the randomize page does too.
    page.goto(randomize_url)
    page.wait_for_url(confirmation_url)
    assert _definitions(page) == shown
    assert Randomization.objects.filter(patient=patient_a).count() == 1
    assert Randomization.objects.get(patient=patient_a).arm == randomization.arm

    # The patient page now gives the arm and the way back to the confirmation.
    page.goto(patient_url)
    section = page.locator("#randomization")
    expect(section).to_contain_text(f"Randomized to {shown['Arm']} (Azacitidine)")
    expect(section.get_by_role("link", name="Randomize", exact=True)).to_have_count(0)
    section.get_by_role("link", name="Randomization confirmation").click()
    page.wait_for_url(confirmation_url)
    expect(page.locator("#arm")).to_have_text(shown["Arm"])


def test_it_refuses_to_randomize_a_screen_failure(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    screen_failure,
):
    study_id = screen_failure.study_id
    randomize_url = f"{live_server.url}/patients/{study_id}/randomize/"
    log_in(coordinator.username)

    page.goto(f"/patients/{study_id}/")
    expect(page.locator("h1 .badge")).to_have_text("Screen failure")
    expect(page.get_by_role("link", name="Randomize", exact=True)).to_have_count(0)

    # Typed in by hand: the page refuses in words and offers no form to press.
    page.goto(randomize_url)
    expect(page.locator("#randomize-button")).to_have_count(0)

    summary = page.locator(".errors.summary")
    expect(summary).to_contain_text(f"Patient {study_id} is a screen failure")
    expect(summary).to_contain_text(protocol.criterion("EXC_APL").text)
    assert page.url == randomize_url
    _assert_no_arm_shown(page, "the refused randomize page")
    screenshot("randomization-refused")
    assert not Randomization.objects.exists()
    assert not AllocationSlot.objects.exists()
