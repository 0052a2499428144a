"""A coordinator enters the screening specimen on the pages: an abnormality ticked in a
karyotype marked normal is refused with the reason and the typed values kept; corrected,
the specimen is on the timeline and the ELN risk derived from it is shown beside the
investigator's entry. Real time: dates relative to today."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from biology.models import Specimen

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def randomized(randomized_ago):
    """A patient screened 19 days ago (ELN 2017 entered: intermediate), randomized 10 days ago."""
    return randomized_ago(10)


def test_a_coordinator_enters_the_screening_specimen(
    page, log_in, live_server, coordinator, randomized, today
):
    patient_url = f"{live_server.url}/patients/{randomized.study_id}/"
    collected_on = today - 12 * DAY
    log_in(coordinator.username)
    page.goto(patient_url)
    expect(page.locator("#timeline-biology tbody")).to_have_text("None yet.")
    expect(page.locator("#eln-derived")).to_contain_text("no screening specimen")

    page.get_by_role("link", name="Record a biology specimen").click()
    page.wait_for_url(f"{patient_url}biology/new/")
    page.get_by_label("Specimen collected on").fill(collected_on.isoformat())
    page.get_by_label("Timepoint").select_option(value="screening")
    page.get_by_label("Karyotype result").select_option(value="normal")
    page.get_by_label("Karyotype (ISCN)").fill("45,XY,-7[18]/46,XY[2]")
    page.get_by_label("-7", exact=True).check()
    page.locator("select[name='npm1']").select_option(value="detected")
    page.get_by_label("NPM1 VAF (%)").fill("38.5")
    page.locator("select[name='flt3_itd']").select_option(value="not_detected")
    page.locator("select[name='tp53']").select_option(value="not_detected")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    invalid = page.locator(".field.invalid")
    expect(invalid.get_by_role("alert")).to_contain_text("Only in an abnormal karyotype")
    expect(page.get_by_label("Karyotype (ISCN)")).to_have_value("45,XY,-7[18]/46,XY[2]")
    assert not Specimen.objects.exists()

    page.get_by_label("Karyotype result").select_option(value="abnormal")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.locator("#timeline-biology tbody tr td")).to_have_text(
        [
            f"{collected_on:%d/%m/%Y}",
            "Screening (disease at entry)",
            "Abnormal: 45,XY,-7[18]/46,XY[2]",
            "-7",
            "NPM1 (VAF 38.5 %)",
            "Correct",
        ]
    )
    # NPM1 with -7: adverse by both tables (adverse cytogenetics decide first).
    expect(page.locator("#eln-derived")).to_contain_text("2017: Adverse · 2022: Adverse")
    expect(page.locator("#eln-derived")).to_contain_text("differs from the ELN 2017 entry")
    specimen = Specimen.objects.get(patient=randomized)
    assert (specimen.monosomy_7, specimen.created_by) == (True, coordinator)
