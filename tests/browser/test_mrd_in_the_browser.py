"""A coordinator enters an MRD result on the pages: a value below the assay's sensitivity is
refused with the reason and the typed values kept; corrected, the MRD is saved and the
timeline shows its derived negativity (< 10⁻³ by flow). Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

import protocol
from visits.models import MrdAssessment

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


def test_a_coordinator_enters_a_flow_mrd_result(
    page, log_in, live_server, coordinator, responder, today
):
    patient_url = f"{live_server.url}/patients/{responder.study_id}/"
    sampled_on = today - 60 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-mrd tbody")).to_have_text("None yet.")

    page.get_by_role("link", name="Record an MRD assessment").click()
    page.wait_for_url(f"{patient_url}mrd/new/")
    page.get_by_label("Sample taken on").fill(sampled_on.isoformat())
    page.get_by_label("Timepoint").select_option(
        label=str(protocol.MrdTimepoint.AFTER_INDUCTION.label)
    )
    page.locator("select[name='method']").select_option(label=str(protocol.MrdMethod.FLOW.label))
    page.get_by_label("Assay sensitivity").fill("0.0001")
    page.get_by_label("Result").select_option(label=str(protocol.MrdResult.VALUE.label))
    page.get_by_label("MRD value").fill("0.00004")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    invalid = page.locator(".field.invalid")
    expect(invalid.get_by_role("alert")).to_contain_text(
        "0.00004 is below the assay's sensitivity (0.0001)"
    )
    expect(page.get_by_label("Assay sensitivity")).to_have_value("0.0001")
    assert not MrdAssessment.objects.exists()

    page.get_by_label("MRD value").fill("0.0004")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.locator("#timeline-mrd tbody tr td")).to_have_text(
        [
            f"{sampled_on:%d/%m/%Y}",
            str(protocol.MrdTimepoint.AFTER_INDUCTION.label),
            str(protocol.MrdMethod.FLOW.label),
            "0.0001",
            "0.0004",
            "negative",
            "Correct",
        ]
    )
    mrd = MrdAssessment.objects.get(patient=responder)
    assert (mrd.value, mrd.negative, mrd.created_by) == (Decimal("0.0004"), True, coordinator)
