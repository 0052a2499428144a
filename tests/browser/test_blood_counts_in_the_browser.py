"""A coordinator enters a blood count on the pages: platelets typed per µL (15000) are refused
as outside the plausible range, with the reason and the typed values kept; corrected, the
count is saved in its cycle and shown on the timeline. Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

import protocol
from labs.models import BloodCount
from randomization.services import patient_randomize
from tests.factories import screen_patient
from visits import services

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def in_induction(site_a, coordinator, today):
    """A patient randomized 20 days ago, in induction since 18 days ago."""
    consent_on = today - 30 * DAY
    patient = screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 29 * DAY,
        diagnosis_on=today - 500 * DAY,
        disease_status_on=today - 35 * DAY,
    )
    randomization = patient_randomize(
        patient=patient,
        user=coordinator,
        regimen=protocol.Regimen.INTENSIVE,
        randomized_at=timezone.now() - 20 * DAY,
    )
    dex = randomization.arm == protocol.DEXAMETHASONE_ARM
    services.cycle_record(
        patient=patient,
        user=coordinator,
        values={
            "started_on": today - 18 * DAY,
            "ended_on": today - 12 * DAY,
            "amsacrine_mg_m2": Decimal(450),
            "cytarabine_mg_m2": Decimal(3000),
            "dexamethasone_given": dex,
            "dexamethasone_mg": Decimal(160) if dex else None,
        },
    )
    return patient


def test_a_coordinator_enters_a_blood_count(
    page, log_in, live_server, coordinator, in_induction, today
):
    patient_url = f"{live_server.url}/patients/{in_induction.study_id}/"
    sampled_on = today - 4 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-blood-counts tbody")).to_have_text("None yet.")

    page.get_by_role("link", name="Record: blood count").click()
    page.wait_for_url(f"{patient_url}blood-counts/new/")
    page.locator("input[name='cycle_number']").fill("1")
    page.get_by_label("Sampled on").fill(sampled_on.isoformat())
    page.get_by_label("ANC (absolute neutrophil count)").fill("0.1")
    page.get_by_label("Platelets").fill("15000")
    page.get_by_label("Haemoglobin").fill("8.2")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    expect(page.locator(".field.invalid").get_by_role("alert")).to_contain_text(
        "15000 is outside the plausible range of 0 to 2000 ×10⁹/L"
    )
    expect(page.get_by_label("Haemoglobin")).to_have_value("8.2")
    assert not BloodCount.objects.exists()

    page.get_by_label("Platelets").fill("15")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.locator("#timeline-blood-counts tbody tr td")).to_have_text(
        ["1", f"{sampled_on:%d/%m/%Y}", "0.10", "15.00", "8.2", "—", "—", "Correct"]
    )
    count = BloodCount.objects.get(patient=in_induction)
    assert (count.cycle.number, count.platelets, count.created_by) == (1, 15, coordinator)
