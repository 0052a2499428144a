"""An SAE from the sponsor's receipt to the SUSAR's report to the regulators, on the pages:
the site's investigator has submitted a serious pneumonitis (no RSI lists it); pharmacovigilance
follows the header's 'Sponsor safety' link, opens the case (treatment, both opinions, the RSI
in force), confirms the proposed expectedness, and the case becomes a SUSAR due on day 15;
pharmacovigilance records the report to EudraVigilance, the clock stops, and the CIOMS-I form
is ready to print. Real time: dates relative to today.

Set PV_SCREENSHOTS_DIR to keep the screenshots (pv_*.png) for a human; else they go to the
test's temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

import protocol
from accounts.models import Role
from pharmacovigilance.models import Susar
from pharmacovigilance.selectors import latest_submitted_version, suspect_drugs_of
from protocol.safety import SaeCausality, SaeOutcome
from safety.models import SaeReport, SaeReportVersion
from safety.selectors import suspect_drugs_given
from safety.services import sae_draft_save, sae_submit
from tests.factories import PASSWORD, UserFactory
from tests.pharmacovigilance.seeds import reference_safety_information_ensure
from visits import services as visit_services

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@pytest.fixture
def pharmacovigilance(db):
    reference_safety_information_ensure()  # flushed by an earlier live-server test
    return UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)


@pytest.fixture
def submitted(randomized_ago, induction_given, coordinator, investigator, today) -> SaeReport:
    """A serious grade 3 pneumonitis from two days ago, its initial report submitted."""
    patient = randomized_ago(30)
    induction_given(patient, started=28, ended=22)
    dex = patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    event = visit_services.adverse_event_record(
        patient=patient,
        user=coordinator,
        values={
            "term": "Pneumonitis",
            "term_specified": "",
            "grade": 3,
            "serious": True,
            "onset_on": today - 2 * DAY,
            "resolved_on": None,
            "related_to_dexamethasone": (
                protocol.Relatedness.POSSIBLE if dex else protocol.Relatedness.NOT_APPLICABLE
            ),
            "related_to_salvage": protocol.Relatedness.PROBABLE,
            "action_taken": protocol.ActionTaken.DELAYED,
        },
    )
    report = SaeReport.objects.get(adverse_event=event)
    given = suspect_drugs_given(patient, by=event.onset_on)
    draft = report.versions.get(status=SaeReportVersion.Status.DRAFT)
    draft = sae_draft_save(
        draft=draft,
        user=investigator,
        values={
            "hospitalisation": True,
            "narrative": "Dyspnoea and bilateral infiltrates ten days after the induction.",
            "relevant_tests": "CT chest: bilateral ground-glass opacities.",
            "outcome": SaeOutcome.RECOVERING,
            **{
                f"{drug.value}_causality": (
                    SaeCausality.POSSIBLE if drug in given else SaeCausality.NOT_GIVEN
                )
                for drug in protocol.Drug
            },
        },
        version=draft.version,
    )
    sae_submit(
        draft=draft,
        user=investigator,
        password=PASSWORD,
        version=draft.version,
        request=RequestFactory().post("/"),
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def shot(page, tmp_path):
    folder = Path(os.environ.get("PV_SCREENSHOTS_DIR") or tmp_path)

    def _shot(name: str) -> None:
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return _shot


def test_a_susar_from_assessment_to_the_report_to_the_regulators(
    page, log_in, pharmacovigilance, submitted, today, shot
):
    version = latest_submitted_version(submitted)
    assert version is not None
    suspects = list(suspect_drugs_of(version))
    study_id = submitted.patient.study_id
    log_in(pharmacovigilance.username)

    # The header leads to the sponsor safety page: the case is to assess.
    page.get_by_role("link", name="Sponsor safety").click()
    row = page.locator(f"#case-{submitted.pk}")
    expect(row).to_contain_text("To assess")
    expect(row).to_contain_text("Initial report submitted on time")
    shot("pv_1_sponsor_safety")

    # The case: the treatment, the investigator's opinions and what the RSI proposes.
    row.get_by_role("link", name=study_id).click()
    expect(page.locator("#case-treatment")).to_contain_text("Intensive: amsacrine + cytarabine")
    expect(page.locator("#suspect-drugs")).to_contain_text("SmPC Cytarabine Hospira")
    for drug in suspects:
        page.locator(f"#id_{drug}_sponsor_causality_0").check()  # related
        expect(page.locator(f"#id_{drug}_expectedness_1")).to_be_checked()  # unexpected
    shot("pv_2_assessment")
    page.get_by_role("button", name="Save the assessment").click()

    # A SUSAR: not fatal nor life-threatening, due by the end of day 15 in Paris.
    expect(page.get_by_role("status")).to_contain_text("Assessment saved.")
    day_15 = timezone.localtime(submitted.sponsor_received_at).date() + 15 * DAY
    expect(page.locator("#susar-clock")).to_contain_text(f"day 15, {day_15:%d/%m/%Y}")
    shot("pv_3_susar")

    # Reported to EudraVigilance a moment ago (after the sponsor received the report, seconds
    # before this test began): the clock stops.
    while timezone.now() - submitted.sponsor_received_at < dt.timedelta(seconds=2.5):
        time.sleep(0.2)  # a fast run reaches this line in the second the sponsor received it
    sent = timezone.localtime().replace(microsecond=0) - dt.timedelta(seconds=1)
    assert sent > submitted.sponsor_received_at
    page.locator("#id_reported_at").fill(sent.strftime("%Y-%m-%dT%H:%M:%S"))
    page.locator("#id_reported_to").select_option("eudravigilance")
    page.locator("#id_reference").fill("EU-EC-10004242")
    page.get_by_role("button", name="Record the report to the regulators").click()
    expect(page.locator("#susar-reported")).to_contain_text("EU-EC-10004242")
    expect(page.locator("#susar-clock")).to_contain_text("reported on time")
    assert Susar.objects.get().reference == "EU-EC-10004242"
    shot("pv_4_reported")

    # The CIOMS-I form, to print: no button, the patient by study ID, sex and age only.
    page.get_by_role("link", name="CIOMS-I form").click()
    expect(page.locator("#cioms-reaction")).to_contain_text(study_id)
    expect(page.locator("#cioms-reaction")).to_contain_text("64 years")
    expect(page.locator("main button")).to_have_count(0)
    shot("pv_5_cioms")
