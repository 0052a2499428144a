"""After a refused save, the keyboard is on the first invalid field (focus-first-error.js),
on a record form and on a follow-up visit form; a fresh form takes no focus.

A patient randomized 200 days ago, whose induction ended 180 days ago and treatment 150
days ago: the month-3 visit (about 60 days ago, window ±14 days) is overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest

from visits.services import end_of_treatment_record

pytestmark = pytest.mark.browser


def _focused(page) -> str:
    return page.evaluate("document.activeElement.name")


def test_a_refused_cycle_puts_the_focus_on_its_first_invalid_field(
    page, log_in, coordinator, randomized_ago
):
    patient = randomized_ago(30)
    log_in(coordinator.username)

    page.goto(f"/patients/{patient.study_id}/cycles/new/")
    page.get_by_label("Cycle ended on").fill("01/01/2000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(".errors.summary")

    assert _focused(page) == "started_on"


def test_a_refused_visit_puts_the_focus_on_the_visit_date(
    page, log_in, coordinator, randomized_ago, induction_given, today
):
    patient = randomized_ago(200)
    induction_given(patient, started=195, ended=180)
    end_of_treatment_record(
        patient=patient,
        user=coordinator,
        values={"ended_on": today - dt.timedelta(days=150), "reason": "completed"},
    )
    log_in(coordinator.username)

    page.goto(f"/patients/{patient.study_id}/visits/M3/?next=%2Fworklist%2F")
    assert _focused(page) != "performed_on"  # a fresh form takes no focus
    page.get_by_label("Vital status").select_option(index=1)
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_selector(".errors.summary")

    assert _focused(page) == "performed_on"
