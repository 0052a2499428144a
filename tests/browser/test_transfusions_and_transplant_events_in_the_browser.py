"""A coordinator enters, on the pages, the two forms no other browser test enters: a platelet
transfusion during the induction, and a donor lymphocyte infusion after the allo-HSCT. A
value outside its range is refused with the reason and what was typed kept; corrected, the
record is saved and shown on the timeline. Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

import protocol
from labs.models import Transfusion
from visits import services
from visits.models import PostTransplantEvent

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def in_induction(randomized_ago, induction_given):
    """A patient randomized 20 days ago, in induction since 18 days ago."""
    patient = randomized_ago(20)
    induction_given(patient, started=18, ended=12)
    return patient


@pytest.fixture
def transplanted(responder, coordinator, today):
    """A patient in CR after the induction, transplanted 40 days ago."""
    services.transplant_record(
        patient=responder,
        user=coordinator,
        values={
            "transplanted_on": today - 40 * DAY,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
        },
    )
    return responder


def test_a_coordinator_enters_a_platelet_transfusion(
    page, log_in, live_server, coordinator, in_induction, today
):
    patient_url = f"{live_server.url}/patients/{in_induction.study_id}/"
    given_on = today - 5 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-transfusions tbody")).to_have_text("None yet.")

    page.locator("a[href$='/transfusions/new/']").first.click()
    page.wait_for_url(f"{patient_url}transfusions/new/")
    page.locator("input[name='cycle_number']").fill("1")
    page.locator("input[name='given_on']").fill(given_on.isoformat())
    page.locator("select[name='product']").select_option(index=2)
    page.locator("input[name='units']").fill("12")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    expect(page.locator(".field.invalid").get_by_role("alert")).to_be_visible()
    expect(page.locator("input[name='given_on']")).to_have_value(given_on.isoformat())
    assert not Transfusion.objects.exists()

    page.locator("input[name='units']").fill("2")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.locator("#timeline-transfusions tbody tr")).to_have_count(1)
    transfusion = Transfusion.objects.get(patient=in_induction)
    assert (transfusion.cycle.number, transfusion.given_on, transfusion.units) == (1, given_on, 2)
    assert transfusion.created_by == coordinator


def test_a_coordinator_enters_a_donor_lymphocyte_infusion(
    page, log_in, live_server, coordinator, transplanted, today
):
    patient_url = f"{live_server.url}/patients/{transplanted.study_id}/"
    infused_on = today - 7 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-transplant-events tbody")).to_have_text("None yet.")

    page.locator("a[href$='/transplant-events/new/']").first.click()
    page.wait_for_url(f"{patient_url}transplant-events/new/")
    page.locator("select[name='kind']").select_option(value=protocol.TransplantEventKind.DLI)
    page.locator("input[name='occurred_on']").fill(infused_on.isoformat())
    # A dose typed in cells/kg rather than ×10⁶ cells/kg.
    page.locator("input[name='dli_cd3_per_kg']").fill("5000000")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    expect(page.locator(".field.invalid").get_by_role("alert")).to_be_visible()
    expect(page.locator("input[name='occurred_on']")).to_have_value(infused_on.isoformat())
    assert not PostTransplantEvent.objects.exists()

    page.locator("input[name='dli_cd3_per_kg']").fill("5")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.locator("#timeline-transplant-events tbody tr")).to_have_count(1)
    event = PostTransplantEvent.objects.get(patient=transplanted)
    assert (event.kind, event.occurred_on, event.dli_cd3_per_kg, event.after_hsct) == (
        protocol.TransplantEventKind.DLI,
        infused_on,
        Decimal(5),
        1,
    )
