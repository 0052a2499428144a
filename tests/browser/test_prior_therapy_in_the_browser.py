"""Prior therapy at screening, as a coordinator enters it: from the patient's page, before
randomization, a prior regimen (refused while it ends before it starts), then the disease
history, whose derived status the timeline shows next to the screening.

The rules are tested at their boundaries in tests/patients/; here the pages carry them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from patients.models import DiseaseHistory, PriorRegimen
from tests.factories import screen_patient

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def patient_a(site_a, coordinator, today):
    """This site's patient in first relapse, screened a week ago, not yet randomized."""
    consent_on = today - 8 * DAY
    return screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 7 * DAY,
        diagnosis_on=today - 600 * DAY,
        disease_status_on=today - 20 * DAY,
    )


def test_a_coordinator_enters_a_prior_regimen_and_the_history_before_randomization(
    page, log_in, patient_a, today
):
    log_in("coord_a")
    page.goto(f"/patients/{patient_a.study_id}/")
    page.get_by_role("link", name="Record: prior regimen").click()

    started_on = today - 590 * DAY
    page.locator("select[name='regimen']").select_option(label="7+3 (daunorubicin-cytarabine)")
    page.get_by_label("Started on").fill(started_on.isoformat())
    page.get_by_label("Ended on").fill((started_on - DAY).isoformat())
    page.get_by_label("Best response").select_option(label="Complete remission (CR)")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved")
    expect(page.locator("#record-form")).to_contain_text("Cannot precede the start")
    assert not PriorRegimen.objects.exists()

    page.get_by_label("Ended on").fill((started_on + 6 * DAY).isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"/patients/{patient_a.study_id}/")
    regimens = page.locator("#timeline-prior-regimens")
    expect(regimens).to_contain_text("7+3 (daunorubicin-cytarabine)")
    regimen = PriorRegimen.objects.get()
    assert regimen.cytarabine_containing is True  # derived from the regimen

    page.get_by_role("link", name="Record: disease history").click()
    page.get_by_label("First complete remission (CR/CRi) on").fill((today - 560 * DAY).isoformat())
    page.get_by_label("First relapse on").fill((today - 20 * DAY).isoformat())
    page.get_by_label("Relapses before study entry").fill("1")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"/patients/{patient_a.study_id}/")
    history = page.locator("#timeline-disease-history")
    expect(history).to_contain_text("First relapse")  # the derived status
    expect(history).to_contain_text("Late relapse")
    assert DiseaseHistory.objects.get().prior_lines_counted == 1
