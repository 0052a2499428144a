"""A coordinator enters a concomitant medication on the pages: a stop before the start is
refused with the reason and the typed values kept; corrected, the medication is saved with
its ATC code and shown on the timeline. Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from medications import drugs
from medications.models import ConcomitantMedication

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def randomized(randomized_ago):
    """A patient randomized 30 days ago (either arm: prophylaxis is the same in both)."""
    return randomized_ago(30)


def test_a_coordinator_enters_antifungal_prophylaxis(
    page, log_in, live_server, coordinator, randomized, today
):
    patient_url = f"{live_server.url}/patients/{randomized.study_id}/"
    started_on, stopped_on = today - 28 * DAY, today - 10 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-concomitant-medications tbody")).to_have_text("None yet.")

    page.get_by_role("link", name="Record a concomitant medication").click()
    page.wait_for_url(f"{patient_url}concomitant-medications/new/")
    page.locator("#id_drug").select_option(label="Posaconazole (J02AC04)")
    page.get_by_label("Category").select_option(
        label=str(drugs.Category.ANTI_INFECTIVE_PROPHYLAXIS.label)
    )
    page.locator("#id_dose").fill("300")
    page.get_by_label("Dose unit").select_option(label="mg")
    page.get_by_label("Route").select_option(label=str(drugs.Route.ORAL.label))
    page.get_by_label("Started on").fill(started_on.isoformat())
    page.get_by_label("Stopped on").fill((started_on - DAY).isoformat())
    page.locator("#id_indication").select_option(
        label=str(drugs.Indication.INFECTION_PROPHYLAXIS.label)
    )
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    expect(page.locator(".field.invalid").get_by_role("alert")).to_contain_text(
        f"Cannot precede the start ({started_on:%d/%m/%Y})."
    )
    expect(page.locator("#id_dose")).to_have_value("300")
    assert not ConcomitantMedication.objects.exists()

    page.get_by_label("Stopped on").fill(stopped_on.isoformat())
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    row = page.locator("#timeline-concomitant-medications tbody tr").first
    expect(row).to_contain_text("J02AC04")
    expect(row).to_contain_text(f"{stopped_on:%d/%m/%Y}")
    medication = ConcomitantMedication.objects.get(patient=randomized)
    assert (medication.atc_code, medication.dose, medication.created_by) == (
        "J02AC04",
        Decimal("300.000"),
        coordinator,
    )
