"""Treatment and follow-up, as a coordinator records them: cycle, response, end of treatment,
the follow-up schedule on the timeline, the worklist, and the month-3 visit.

The scenario runs in real time (see conftest.py), so every date is relative to today: the
treatment ended about 85 days ago, which puts the month-3 visit's window around today.
The rules themselves are tested in the services' own tests; here the pages must carry
them: the forms, the CSRF token, the error messages, the timeline and the worklist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from randomization.services import patient_randomize
from tests.factories import screen_patient
from trialsite import protocol
from visits.models import (
    EndOfTreatment,
    FollowUpVisit,
    ProtocolDeviation,
    ResponseAssessment,
    TreatmentCycle,
)

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
# The protocol's follow-up: every 3 months with ±14-day windows in years 1-2.
FIRST_VISIT_MONTH = protocol.FOLLOW_UP_PHASES[0].interval_months
WINDOW = dt.timedelta(days=protocol.FOLLOW_UP_PHASES[0].window_days)


def _iso(day: dt.date) -> str:
    """Return a date as a date input holds it."""
    return day.isoformat()


def _dmy(day: dt.date) -> str:
    """Return a date as the pages show it."""
    return f"{day:%d/%m/%Y}"


@pytest.fixture
def patient_a(site_a, coordinator, today):
    """This site's patient in first relapse, consented 200 days ago and randomized 190 days
    ago to intensive salvage (amsacrine + cytarabine).

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


def _timeline_row(page: Page, section: str, first_cell: str):
    """Return the row of a timeline table whose first cell is `first_cell`."""
    return page.locator(f"#{section} tbody tr").filter(
        has=page.locator("td").first.filter(has_text=first_cell)
    )


def _fill_response(page: Page, *, assessed_on: dt.date, platelets: str) -> None:
    """A marrow in remission with recovered neutrophils, MRD negative; platelets as given."""
    page.get_by_label("Assessed on").fill(_iso(assessed_on))
    page.get_by_label("Category").select_option(label=protocol.ResponseCategory.CR.label)
    page.get_by_label("Marrow blasts").fill("2.5")
    page.get_by_label("ANC").fill("1.80")
    page.get_by_label("Platelets").fill(platelets)
    page.get_by_label("MRD negative").select_option(label="Yes")


def test_it_records_treatment_end_of_treatment_and_the_month_3_visit(
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
    in_dex_arm = patient_a.randomization.arm == protocol.DEXAMETHASONE_ARM
    cycle_started, cycle_ended = today - 185 * DAY, today - 150 * DAY
    assessed_on = today - 148 * DAY
    ended_on = today - 85 * DAY
    m3_target = ended_on + relativedelta(months=FIRST_VISIT_MONTH)
    # The scenario's premise: the month-3 window is open today, whatever today is.
    assert m3_target - WINDOW <= today <= m3_target + WINDOW
    log_in(coordinator.username)

    # Before any treatment: no cycle, no way to record a response, no schedule yet.
    page.goto(patient_url)
    expect(page.locator("#timeline-cycles tbody")).to_have_text("None yet.")
    expect(page.get_by_role("link", name="Record a response")).to_have_count(0)
    expect(page.locator("#timeline-followup")).to_contain_text(
        "Built when the end of treatment is recorded."
    )

    # Cycle 1, the induction: both intensive drugs, dexamethasone as the arm says.
    page.get_by_role("link", name="Record cycle 1").click()
    page.wait_for_url(f"{patient_url}cycles/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Treatment cycle · patient {study_id}"
    )
    page.get_by_label("Cycle started on").fill(_iso(cycle_started))
    page.get_by_label("Cycle ended on").fill(_iso(cycle_ended))
    page.get_by_label("Amsacrine").fill("600")
    page.get_by_label("Cytarabine").fill("6000")
    if in_dex_arm:
        page.get_by_label("Dexamethasone given").check()
        page.get_by_label("Dexamethasone (mg, total)").fill("200")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"Treatment cycle recorded for {study_id}.")
    expect(_timeline_row(page, "timeline-cycles", "1").locator("td")).to_have_text(
        [
            "1",
            "Induction",
            _dmy(cycle_started),
            _dmy(cycle_ended),
            "200.00 mg" if in_dex_arm else "no",
            "",
            "Correct",
        ]
    )
    expect(page.get_by_role("link", name="Record cycle 2")).to_be_visible()
    cycle = TreatmentCycle.objects.get(patient=patient_a)
    assert (cycle.number, cycle.phase) == (1, protocol.CyclePhase.INDUCTION)
    assert (cycle.started_on, cycle.ended_on) == (cycle_started, cycle_ended)
    assert (cycle.amsacrine_mg_m2, cycle.cytarabine_mg_m2) == (Decimal(600), Decimal(6000))
    assert cycle.azacitidine_mg_m2 is None
    assert cycle.dexamethasone_given is in_dex_arm
    assert cycle.dexamethasone_mg == (Decimal(200) if in_dex_arm else None)
    assert (cycle.delay_days, cycle.dose_reduced) == (0, False)
    assert cycle.created_by == coordinator
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

    # With the platelets recovered, the CR stands.
    page.get_by_label("Platelets").fill("180")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(
        f"Response assessment recorded for {study_id}."
    )
    expect(_timeline_row(page, "timeline-responses", _dmy(assessed_on)).locator("td")).to_have_text(
        [
            _dmy(assessed_on),
            "1",
            protocol.ResponseCategory.CR.label,
            "2.5",
            "1.80",
            "180.00",
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
    assert response.after_cycle == 1
    assert response.mrd_negative is True

    # The end of treatment after the induction; the follow-up schedule is built from it.
    page.get_by_role("link", name="Record the end of treatment").click()
    page.wait_for_url(f"{patient_url}end-of-treatment/new/")
    page.get_by_label("Treatment ended on").fill(_iso(ended_on))
    page.get_by_label("Reason").select_option(
        label=protocol.EndOfTreatmentReason.INVESTIGATOR.label
    )
    page.get_by_label("Note").fill("No consolidation after CR: patient's preference.")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"End of treatment recorded for {study_id}.")
    expect(page.locator("#timeline-eot")).to_contain_text(
        f"{_dmy(ended_on)} · {protocol.EndOfTreatmentReason.INVESTIGATOR.label}"
    )
    # Treatment is over: no further cycle can be recorded.
    expect(page.get_by_role("link", name="Record cycle 2")).to_have_count(0)
    eot = EndOfTreatment.objects.get(patient=patient_a)
    assert (eot.ended_on, eot.reason) == (ended_on, protocol.EndOfTreatmentReason.INVESTIGATOR)
    assert eot.note == "No consolidation after CR: patient's preference."

    # The schedule on the timeline: every 3 months in years 1-2, then every 6 months; the
    # month-3 visit is due today, the others are still to come.
    visits = list(FollowUpVisit.objects.filter(patient=patient_a).order_by("month"))
    months = [v.month for v in visits]
    assert months[:8] == [3, 6, 9, 12, 15, 18, 21, 24]
    assert all(later - earlier == 6 for earlier, later in zip(months[8:], months[9:]))
    assert months[8] == 30
    rows = page.locator("#timeline-followup tbody tr")
    expect(rows).to_have_count(len(visits))
    expect(rows.locator("td:first-child")).to_have_text([f"M{m}" for m in months])
    m3_row = rows.nth(0)
    expect(m3_row.locator("td")).to_have_text(
        [
            "M3",
            _dmy(m3_target),
            f"{_dmy(m3_target - WINDOW)} – {_dmy(m3_target + WINDOW)}",
            "Due",
            "",
            "",
            "Record",
        ]
    )
    expect(rows.locator(".badge")).to_have_text(["Due"] + ["Upcoming"] * (len(visits) - 1))
    # An upcoming visit cannot be recorded yet.
    expect(rows.get_by_role("link", name="Record")).to_have_count(1)
    screenshot("timeline-after-end-of-treatment")

    # The site's worklist: the month-3 visit, due.
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    worklist_rows = page.locator("#worklist tbody tr")
    expect(worklist_rows).to_have_count(1)
    expect(worklist_rows.nth(0).locator("td")).to_have_text(
        [
            study_id,
            patient_a.site.code,
            "M3",
            _dmy(m3_target),
            f"{_dmy(m3_target - WINDOW)} – {_dmy(m3_target + WINDOW)}",
            "Due",
            "Record",
        ]
    )
    screenshot("worklist-month-3-due")

    # Recorded from the worklist: seen today, alive, in continuing remission.
    worklist_rows.nth(0).get_by_role("link", name="Record").click()
    page.wait_for_url(f"{patient_url}visits/M3/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Follow-up visit M3 · patient {study_id}"
    )
    print("DEBUGGET", page.locator("main").inner_text())
    print("DEBUGVERSION", page.locator("input[name=version]").evaluate_all("els => els.map(e => e.outerHTML)"))
    page.screenshot(path="/tmp/visit-get.png", full_page=True)
    page.get_by_label("Visit done on").fill(_iso(today))
    page.get_by_label("Vital status").select_option(label=protocol.VitalStatus.ALIVE.label)
    page.get_by_label("Disease status").select_option(
        label=protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION.label
    )
    page.get_by_label("Allo-HSCT since last visit").select_option(label="No")
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_load_state()
    print("DEBUG", page.url, page.locator("main").inner_text())
    print("DEBUGHTML", page.locator("#visit-form").inner_html())

    page.wait_for_url(patient_url)
    expect(page.get_by_role("status")).to_have_text(f"Visit M3 of {study_id} recorded.")
    m3_row = page.locator("#timeline-followup tbody tr").nth(0)
    expect(m3_row.locator("td")).to_have_text(
        [
            "M3",
            _dmy(m3_target),
            f"{_dmy(m3_target - WINDOW)} – {_dmy(m3_target + WINDOW)}",
            "Done",
            _dmy(today),
            protocol.VitalStatus.ALIVE.label,
            "Correct",
        ]
    )
    screenshot("timeline-month-3-done")
    m3 = FollowUpVisit.objects.get(patient=patient_a, month=3)
    assert (m3.performed_on, m3.vital_status, m3.disease_status) == (
        today,
        protocol.VitalStatus.ALIVE,
        protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
    )
    assert m3.transplant_since_last is False
    assert (m3.new_therapy, m3.missed_reason) == ("", "")
    assert m3.version == 2
    # Nothing else was touched: the rest of the schedule is still planned.
    assert FollowUpVisit.objects.filter(patient=patient_a).count() == len(visits)
    assert not FollowUpVisit.objects.filter(patient=patient_a, month__gt=3,
                                            performed_on__isnull=False).exists()

    # Done, it leaves the worklist.
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    expect(page.locator("#worklist")).not_to_contain_text(study_id)
    expect(page.locator("#worklist tbody tr")).to_have_text(
        ["No visit due or overdue this month."]
    )
    screenshot("worklist-empty")

    assert TreatmentCycle.objects.filter(patient=patient_a).count() == 1
    assert ResponseAssessment.objects.filter(patient=patient_a).count() == 1
    assert not ProtocolDeviation.objects.filter(patient=patient_a).exists()
