"""A coordinator enters a blood count on the pages: platelets typed per µL (15000) are refused
as outside the plausible range, with the reason and the typed values kept; corrected, the
count is saved in its cycle and shown on the timeline. Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from labs.models import BloodCount

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def in_induction(randomized_ago, induction_given):
    """A patient randomized 20 days ago, in induction since 18 days ago."""
    patient = randomized_ago(20)
    induction_given(patient, started=18, ended=12)
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
