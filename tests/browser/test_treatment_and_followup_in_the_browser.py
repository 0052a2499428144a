"""Treatment and follow-up, as a coordinator records them: cycle, response, end of treatment,
the follow-up schedule on the timeline, the worklist, and the month-3 visit.

The scenario runs in real time (see conftest.py), so every date is relative to today: the
patient was randomized 190 days ago and treatment ended 85 days ago, which puts the
month-3 visit's window (end of treatment + 3 calendar months, ±14 days) around today.
The rules themselves belong to the services; here the pages must carry them: the forms,
the CSRF token, the error messages, the timeline and the worklist.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

import protocol
from randomization.services import patient_randomize
from tests.factories import screen_patient
from visits import services
from visits.models import (
    EndOfTreatment,
    FollowUpVisit,
    ProtocolDeviation,
    ResponseAssessment,
    TreatmentCycle,
)

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
# The course of treatment, in days before today.
CYCLE_STARTED, CYCLE_ENDED, ASSESSED, TREATMENT_ENDED = 185 * DAY, 150 * DAY, 148 * DAY, 85 * DAY
EOT_NOTE = "No consolidation after CR: patient's preference."
# Follow-up in years 1-2: every 3 months, each visit with a ±14-day window.
FIRST_PHASE = protocol.FOLLOW_UP_PHASES[0]
WINDOW = dt.timedelta(days=FIRST_PHASE.window_days)


def _iso(day: dt.date) -> str:
    """Return a date as a date input holds it."""
    return day.isoformat()


def _dmy(day: dt.date) -> str:
    """Return a date as the pages show it."""
    return f"{day:%d/%m/%Y}"


def _month_3(today: dt.date) -> tuple[dt.date, str]:
    """Return the month-3 visit's target and its window as the pages show it."""
    target = today - TREATMENT_ENDED + relativedelta(months=FIRST_PHASE.interval_months)
    # The scenario's premise: the window is open today, whatever today is.
    assert target - WINDOW <= today <= target + WINDOW
    return target, f"{_dmy(target - WINDOW)} – {_dmy(target + WINDOW)}"


def _in_dex_arm(patient) -> bool:
    return patient.randomization.arm == protocol.DEXAMETHASONE_ARM


@pytest.fixture
def patient_a(site_a, coordinator, today):
    """This site's patient in first relapse, consented 200 days ago and randomized 190 days
    ago to intensive salvage (amsacrine + cytarabine), in either arm.

    Replaces the patient_a of tests/conftest.py, which freezes the clock (see conftest.py).
    """
    consent_on = today - 200 * DAY
    patient = screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 199 * DAY,
        diagnosis_on=today - 600 * DAY,
        disease_status_on=today - 205 * DAY,
    )
    patient_randomize(
        patient=patient,
        user=coordinator,
        regimen=protocol.Regimen.INTENSIVE,
        randomized_at=timezone.now() - 190 * DAY,
    )
    return patient


@pytest.fixture
def treated_patient(patient_a, coordinator, today):
    """patient_a after the course the first test records through the pages, recorded
    here through the services: one induction, a CR, the end of treatment 85 days ago."""
    in_dex_arm = _in_dex_arm(patient_a)
    services.cycle_record(
        patient=patient_a,
        user=coordinator,
        values={
            "started_on": today - CYCLE_STARTED,
            "ended_on": today - CYCLE_ENDED,
            "amsacrine_mg_m2": Decimal(450),
            "cytarabine_mg_m2": Decimal(3000),
            "dexamethasone_given": in_dex_arm,
            "dexamethasone_mg": Decimal(160) if in_dex_arm else None,
        },
    )
    services.response_record(
        patient=patient_a,
        user=coordinator,
        values={
            "assessed_on": today - ASSESSED,
            "category": protocol.ResponseCategory.CR,
            "marrow_blasts_pct": Decimal("2.5"),
            "anc": Decimal("1.8"),
            "platelets": Decimal(180),
            "mrd_negative": True,
        },
    )
    services.end_of_treatment_record(
        patient=patient_a,
        user=coordinator,
        values={
            "ended_on": today - TREATMENT_ENDED,
            "reason": protocol.EndOfTreatmentReason.INVESTIGATOR,
            "note": EOT_NOTE,
        },
    )
    return patient_a


def _fill_response(page: Page, *, assessed_on: dt.date, platelets: str) -> None:
    """A marrow in remission with recovered neutrophils, MRD negative; platelets as given."""
    page.get_by_label("Assessed on").fill(_iso(assessed_on))
    page.get_by_label("Category").select_option(label=str(protocol.ResponseCategory.CR.label))
    page.get_by_label("Marrow blasts").fill("2.5")
    page.get_by_label("ANC").fill("1.80")
    page.get_by_label("Platelets").fill(platelets)
    page.get_by_label("MRD negative").select_option(label="Yes")


def test_it_records_the_treatment_and_puts_the_month_3_visit_on_the_worklist(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    patient_a,
    today,
):
    study_id = patient_a.study_id
    patient_url = f"{live_server.url}/patients/{study_id}/"
    in_dex_arm = _in_dex_arm(patient_a)
    cycle_started, cycle_ended = today - CYCLE_STARTED, today - CYCLE_ENDED
    assessed_on, ended_on = today - ASSESSED, today - TREATMENT_ENDED
    m3_target, m3_window = _month_3(today)
    log_in(coordinator.username)

    # Before any treatment: no cycle, no way to record a response, no schedule yet.
    page.goto(patient_url)
    expect(page.locator("#timeline-cycles tbody")).to_have_text("None yet.")
    expect(page.get_by_role("link", name="Record a response")).to_have_count(0)
    expect(page.locator("#timeline-followup")).to_contain_text(
        "Built when the end of treatment is recorded."
    )

    # Cycle 1, the induction: both intensive drugs at the planned doses (protocol/doses.py,
    # so the save warns of nothing), dexamethasone as the arm says.
    page.get_by_role("link", name="Record cycle 1").click()
    page.wait_for_url(f"{patient_url}cycles/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Treatment cycle · patient {study_id}"
    )
    page.get_by_label("Cycle started on").fill(_iso(cycle_started))
    page.get_by_label("Cycle ended on").fill(_iso(cycle_ended))
    page.get_by_label("Amsacrine").fill("450")
    page.get_by_label("Cytarabine").fill("3000")
    if in_dex_arm:
        page.get_by_label("Dexamethasone given").check()
        page.get_by_label("Dexamethasone (mg, total)").fill("160")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"Treatment cycle recorded for {study_id}.")
    expect(page.locator("#timeline-cycles tbody tr td")).to_have_text(
        [
            "1",
            "Induction",
            _dmy(cycle_started),
            _dmy(cycle_ended),
            "160 mg" if in_dex_arm else "no",
            "",
            "Correct",
        ]
    )
    expect(page.get_by_role("link", name="Record cycle 2")).to_be_visible()
    cycle = TreatmentCycle.objects.get(patient=patient_a)
    assert (cycle.number, cycle.phase) == (1, protocol.CyclePhase.INDUCTION)
    assert (cycle.started_on, cycle.ended_on) == (cycle_started, cycle_ended)
    assert (cycle.amsacrine_mg_m2, cycle.cytarabine_mg_m2) == (Decimal(450), Decimal(3000))
    assert cycle.azacitidine_mg_m2 is None
    assert cycle.dexamethasone_given is in_dex_arm
    assert cycle.dexamethasone_mg == (Decimal(160) if in_dex_arm else None)
    assert (cycle.delay_days, cycle.dose_reduced) == (0, False)
    assert cycle.created_by == coordinator
    # Dexamethasone exactly as the arm says: no deviation.
    assert not ProtocolDeviation.objects.filter(patient=patient_a).exists()

    # A CR claimed with platelets of 50: the values support a CRi at best. Refused, the
    # typed values kept for correction, nothing saved.
    page.get_by_role("link", name="Record a response").click()
    page.wait_for_url(f"{patient_url}responses/new/")
    _fill_response(page, assessed_on=assessed_on, platelets="50")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".errors.summary")).to_contain_text("Nothing was saved.")
    assert page.url == f"{patient_url}responses/new/"
    invalid = page.locator(".field.invalid")
    expect(invalid).to_have_count(1)
    expect(invalid.locator("select[name='category']")).to_have_count(1)
    expect(invalid.get_by_role("alert")).to_have_text(
        f"The values support {protocol.ResponseCategory.CRI.label} at best, not "
        f"{protocol.ResponseCategory.CR.label}: platelets 50 (must be ≥ 100 × 10⁹/L)"
    )
    expect(page.get_by_label("Assessed on")).to_have_value(_iso(assessed_on))
    expect(page.get_by_label("Category")).to_have_value(protocol.ResponseCategory.CR.value)
    expect(page.get_by_label("Marrow blasts")).to_have_value("2.5")
    expect(page.get_by_label("ANC")).to_have_value("1.80")
    expect(page.get_by_label("Platelets")).to_have_value("50")
    expect(page.get_by_label("MRD negative")).to_have_value("true")
    assert not ResponseAssessment.objects.filter(patient=patient_a).exists()
    screenshot("response-refused")

    # With the platelets recovered, the CR stands.
    page.get_by_label("Platelets").fill("180")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"Response assessment recorded for {study_id}.")
    expect(page.locator("#timeline-responses tbody tr td")).to_have_text(
        [
            _dmy(assessed_on),
            str(protocol.ResponseTimepoint.END_OF_INDUCTION.label),  # as the form proposed it
            "1",
            str(protocol.ResponseCategory.CR.label),
            "2.5",
            "1.80",
            "180",
            "Correct",
        ]
    )
    response = ResponseAssessment.objects.get(patient=patient_a)
    assert (response.assessed_on, response.category) == (
        assessed_on,
        protocol.ResponseCategory.CR,
    )
    assert (response.marrow_blasts_pct, response.anc, response.platelets) == (
        Decimal("2.5"),
        Decimal("1.8"),
        Decimal(180),
    )
    assert (response.after_cycle, response.mrd_negative) == (1, True)
    assert response.timepoint == protocol.ResponseTimepoint.END_OF_INDUCTION

    # The end of treatment after the induction; the follow-up schedule is built from it.
    page.get_by_role("link", name="Record the end of treatment").click()
    page.wait_for_url(f"{patient_url}end-of-treatment/new/")
    page.get_by_label("Treatment ended on").fill(_iso(ended_on))
    page.get_by_label("Reason").select_option(
        label=str(protocol.EndOfTreatmentReason.INVESTIGATOR.label)
    )
    page.get_by_label("Note").fill(EOT_NOTE)
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"End of treatment recorded for {study_id}.")
    expect(page.locator("#timeline-eot")).to_contain_text(
        f"{_dmy(ended_on)} · {protocol.EndOfTreatmentReason.INVESTIGATOR.label}"
    )
    # Treatment is over: no further cycle can be recorded.
    expect(page.get_by_role("link", name="Record cycle 2")).to_have_count(0)
    eot = EndOfTreatment.objects.get(patient=patient_a)
    assert (eot.ended_on, eot.reason, eot.note) == (
        ended_on,
        protocol.EndOfTreatmentReason.INVESTIGATOR,
        EOT_NOTE,
    )

    # The schedule on the timeline: every 3 months up to month 24, then every 6 months;
    # the month-3 visit is due, the others are still to come and cannot be recorded yet.
    visits = list(FollowUpVisit.objects.filter(patient=patient_a).order_by("month"))
    months = [v.month for v in visits]
    assert months[:9] == [3, 6, 9, 12, 15, 18, 21, 24, 30]
    assert all(later - earlier == 6 for earlier, later in itertools.pairwise(months[8:]))
    assert (visits[0].target_on, visits[0].window_opens_on, visits[0].window_closes_on) == (
        m3_target,
        m3_target - WINDOW,
        m3_target + WINDOW,
    )
    assert not any(v.is_completed for v in visits)
    rows = page.locator("#timeline-followup tbody tr")
    expect(rows.locator("td:first-child")).to_have_text([f"M{m}" for m in months])
    expect(rows.nth(0).locator("td")).to_have_text(
        ["M3", _dmy(m3_target), m3_window, "Due", "", "", "Record"]
    )
    expect(rows.locator(".badge")).to_have_text(["Due"] + ["Upcoming"] * (len(visits) - 1))
    expect(rows.get_by_role("link")).to_have_count(1)
    screenshot("timeline-schedule-built")

    # The site's worklist: the month-3 visit, due.
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    expect(page.locator("#worklist tbody tr td")).to_have_text(
        [study_id, patient_a.site.code, "M3", _dmy(m3_target), m3_window, "Due", "Record"]
    )
    screenshot("worklist-month-3-due")


def test_it_records_the_month_3_visit_from_the_worklist(
    page,
    log_in,
    screenshot,
    live_server,
    coordinator,
    treated_patient,
    today,
):
    study_id = treated_patient.study_id
    patient_url = f"{live_server.url}/patients/{study_id}/"
    m3_target, m3_window = _month_3(today)
    log_in(coordinator.username)

    page.goto("/worklist/")
    row = page.locator("#worklist tbody tr").filter(has_text=study_id)
    expect(row.locator("td").nth(2)).to_have_text("M3")
    row.get_by_role("link", name="Record").click()
    page.wait_for_url(f"{patient_url}visits/M3/?next=%2Fworklist%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Follow-up visit M3 · patient {study_id}"
    )
    # A form not yet sent has nothing to correct.
    assert page.locator(".errors").count() == 0, page.locator(".errors").first.inner_text()

    # Seen today, alive, in continuing remission, no transplant since.
    page.get_by_label("Visit done on").fill(_iso(today))
    page.get_by_label("Vital status").select_option(label=str(protocol.VitalStatus.ALIVE.label))
    page.get_by_label("Disease status").select_option(
        label=str(protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION.label)
    )
    page.get_by_label("Allo-HSCT since last visit").select_option(label="No")
    page.get_by_role("button", name="Save visit").click()

    # Back to the worklist the visit was opened from.
    page.wait_for_url(f"{live_server.url}/worklist/")
    expect(page.get_by_role("status")).to_have_text(f"Visit M3 of {study_id} recorded.")
    page.goto(patient_url)
    rows = page.locator("#timeline-followup tbody tr")
    expect(rows.nth(0).locator("td")).to_have_text(
        [
            "M3",
            _dmy(m3_target),
            m3_window,
            "Done",
            _dmy(today),
            str(protocol.VitalStatus.ALIVE.label),
            "Correct",
        ]
    )
    expect(rows.nth(1).locator(".badge")).to_have_text("Upcoming")
    screenshot("timeline-month-3-done")
    m3 = FollowUpVisit.objects.get(patient=treated_patient, month=3)
    assert (m3.performed_on, m3.vital_status, m3.disease_status) == (
        today,
        protocol.VitalStatus.ALIVE,
        protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
    )
    assert (m3.transplant_since_last, m3.new_therapy, m3.missed_reason) == (False, "", "")
    assert m3.version == 2
    # Only that visit was touched: the rest of the schedule is still planned.
    others = FollowUpVisit.objects.filter(patient=treated_patient).exclude(pk=m3.pk)
    assert others.exists()
    assert not any(v.is_completed or v.version != 1 for v in others)

    # Done, it leaves the worklist.
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    expect(page.locator("#worklist")).not_to_contain_text(study_id)
    expect(page.locator("#worklist tbody tr")).to_have_text(["No visit due or overdue this month."])
    screenshot("worklist-after-month-3")
