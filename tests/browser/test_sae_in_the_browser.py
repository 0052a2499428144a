"""An SAE from entry to submission on the pages: the coordinator records a serious adverse
event, its SAE report opens on the 24-hour clock, the coordinator fills the draft (criteria,
narrative, outcome, causality per suspect drug), and the site's investigator signs and
submits it with the password; the clock then says it was submitted on time. Real time:
dates relative to today.

Set SAE_SCREENSHOTS_DIR to keep the screenshots (sae_*.png) for a human; else they go to the
test's temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

import protocol
from safety.models import SaeReport, SaeReportVersion
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def treated(randomized_ago, induction_given):
    """A patient randomized 30 days ago, given the induction from 28 to 22 days ago."""
    patient = randomized_ago(30)
    induction_given(patient, started=28, ended=22)
    return patient


@pytest.fixture
def shot(page, tmp_path):
    folder = Path(os.environ.get("SAE_SCREENSHOTS_DIR") or tmp_path)

    def _shot(name: str) -> None:
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return _shot


def test_an_sae_from_entry_to_submission(
    page, log_in, live_server, coordinator, investigator, treated, today, shot
):
    dex_arm = treated.randomization.arm == protocol.DEXAMETHASONE_ARM
    patient_url = f"{live_server.url}/patients/{treated.study_id}/"
    log_in(coordinator.username)
    page.goto(patient_url)

    # The coordinator records a serious sepsis that began yesterday.
    page.get_by_role("link", name="Record an adverse event").click()
    page.locator("#id_term").select_option("Sepsis")
    page.locator("#id_grade").fill("3")
    page.locator("#id_serious").check()
    page.locator("#id_onset_on").fill((today - DAY).isoformat())
    if dex_arm:  # a control-arm patient is not asked (visits/relevance.py: not applicable)
        page.locator("#id_related_to_dexamethasone").select_option(protocol.Relatedness.POSSIBLE)
    page.locator("#id_related_to_salvage").select_option(protocol.Relatedness.PROBABLE)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(patient_url)

    # Its SAE report is open, on the clock.
    page.locator("#adverse-events").get_by_role("link", name="SAE report").click()
    report = SaeReport.objects.get(patient=treated)
    page.wait_for_url(f"{live_server.url}/safety/sae/{report.pk}/")
    banner = page.locator("#sae-clock")
    expect(banner).to_contain_text("Initial report due in 2")  # 23 h 59 min or 24 h 00 min
    expect(banner).to_contain_text("(Europe/Paris)")
    expect(banner).to_contain_text("UTC")
    shot("sae_1_opened")

    # The coordinator fills the draft.
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("requires hospitalisation or prolongs it").check()
    page.get_by_label("Narrative").fill(
        "Fever 39.5 °C with hypotension on day 7 after the induction; admitted to ICU."
    )
    page.get_by_label("Relevant tests and laboratory data").fill("Blood cultures: E. coli.")
    page.get_by_label("Outcome").select_option(label="Recovering / resolving")
    page.get_by_label("Causality: amsacrine").select_option(label="Possible")
    page.get_by_label("Causality: cytarabine").select_option(label="Probable")
    expect(page.get_by_label("Causality: azacitidine")).to_have_value("not_given")
    if dex_arm:
        page.get_by_label("Causality: dexamethasone").select_option(label="Unlikely")
    else:
        expect(page.get_by_label("Causality: dexamethasone")).to_have_value("not_given")
    shot("sae_2_draft")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"{live_server.url}/safety/sae/{report.pk}/")
    expect(page.locator("#sae-version-0")).to_contain_text("Draft")
    expect(page.locator("#sae-version-0")).not_to_contain_text("Sign and submit")

    # The investigator signs and submits it, password re-entered.
    page.context.clear_cookies()
    log_in(investigator.username)
    page.goto(f"/safety/sae/{report.pk}/")
    page.get_by_role("link", name="Sign and submit").click()
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Sign and submit").click()
    expect(page.locator(".errors.summary")).to_contain_text("Wrong password")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign and submit").click()
    page.wait_for_url(f"{live_server.url}/safety/sae/{report.pk}/")

    expect(page.locator("#sae-clock")).to_contain_text("Initial report submitted on time")
    expect(page.locator("#sae-version-0")).to_contain_text("Submitted")
    expect(page.get_by_role("button", name="Start follow-up report 1")).to_be_visible()
    shot("sae_3_submitted")
    initial = report.versions.get()
    assert initial.status == SaeReportVersion.Status.SUBMITTED
    assert (initial.submitted_by, initial.hospitalisation) == (investigator, True)
    report.refresh_from_db()
    assert report.sponsor_received_at == initial.submitted_at
