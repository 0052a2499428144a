"""The figures a run keeps, computed from the trial's records by the (eager) worker.

Six patients randomized at site 03 on 5 March 2025; one dies in each arm (20 April and 12
May); the four survivors are treated (last cycle ended 18 May, end of treatment 19 May) and
two of them are seen alive at their month-3 follow-up visit on 20 August. On 10 September
2025 the statistician presses Recompute: under each month tick, the run's stored SVG counts
the patients the records show still followed there, arm by arm and pooled.

The worker stores the results first and draws the figures after: whoever asks for a figure
before it is stored, or after a drawing failed, gets it drawn from the results, the same
file the worker stores.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.urls import reverse

import protocol
from endpoints import services
from endpoints.datasets import patient_facts, time_to_event_rows
from endpoints.models import AnalysisRun
from tests.endpoints.figures_trial import MONTH, all_text, texts, x_tick_labels
from tests.factories import screen_patient
from tests.visits.builders import (
    RANDOMIZED_AT,
    at_noon_in_paris,
    death_values,
    randomize,
    record_cycle,
    record_end_of_treatment,
)
from visits import services as visit_services
from visits.models import FollowUpVisit

MEASURED_ON = dt.date(2025, 9, 10)


@pytest.fixture
def in_september(frozen_today):
    with time_machine.travel(at_noon_in_paris(MEASURED_ON), tick=False):
        yield MEASURED_ON


@pytest.fixture
def run(
    in_september,
    settings,
    site_a,
    coordinator,
    client,
    statistician,
    django_capture_on_commit_callbacks,
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    randomizations = [
        randomize(
            screen_patient(site=site_a, user=coordinator),
            coordinator,
            at=RANDOMIZED_AT + dt.timedelta(hours=hour),
        )
        for hour in range(6)
    ]
    deaths = {protocol.Arm.DEX: dt.date(2025, 4, 20), protocol.Arm.CONTROL: dt.date(2025, 5, 12)}
    dead = []
    for arm, died_on in deaths.items():
        patient = next(r.patient for r in randomizations if r.arm == arm)
        visit_services.off_study_record(
            patient=patient, user=coordinator, values=death_values(died_on)
        )
        dead.append(patient)
    survivors = [r.patient for r in randomizations if r.patient not in dead]
    for patient in survivors:
        record_cycle(patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
        record_cycle(patient, coordinator, dt.date(2025, 5, 14), dt.date(2025, 5, 18))
        record_end_of_treatment(patient, coordinator, dt.date(2025, 5, 19))
    for patient in survivors[:2]:
        seen = FollowUpVisit.objects.get(patient=patient, month=3)
        visit_services.followup_visit_record(
            visit=seen,
            user=coordinator,
            version=seen.version,
            values={
                "performed_on": dt.date(2025, 8, 20),
                "vital_status": protocol.VitalStatus.ALIVE,
            },
        )
    client.force_login(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("analysis-recompute")).status_code == 302
    finished = AnalysisRun.objects.get()
    assert finished.status == AnalysisRun.Status.DONE, finished.error
    return finished


def test_the_runs_figures_count_under_each_month_tick_those_the_records_still_follow(run):
    facts = patient_facts(run.cutoff)
    arms = {f.study_id: f.arm for f in facts}
    os_rows = [r for r in time_to_event_rows(facts, run.cutoff) if r.parameter == "OS"]
    assert sorted(r.days for r in os_rows if r.event) == [46, 68]
    for kind, rows in (("by_arm", ("dex", "control")), ("pooled", ("pooled",))):
        svg = run.figures["OS"][kind]
        ticks = x_tick_labels(svg)
        assert [t.text for t in ticks] == ["0", "3", "6"]  # 168 days' follow-up: every 3 months
        for row in rows:
            data = [r for r in os_rows if row == "pooled" or arms[r.study_id] == row]
            for tick in ticks:
                (number,) = texts(svg, f"at-risk-{row}-{tick.text}")
                assert number.text == str(sum(r.days >= int(tick.text) * MONTH for r in data))
                assert float(number.get("x")) == pytest.approx(float(tick.get("x")), abs=0.01)
    pooled = {
        t.text: texts(run.figures["OS"]["pooled"], f"at-risk-pooled-{t.text}")[0].text
        for t in x_tick_labels(run.figures["OS"]["pooled"])
    }
    assert pooled == {"0": "6", "3": "2", "6": "0"}  # the two seen alive on 20 August


def test_the_runs_by_arm_figure_states_the_comparison_and_the_pooled_one_does_not(run):
    comparison = run.results["endpoints"]["OS"]["comparison"]["unstratified"]
    by_arm = all_text(run.figures["OS"]["by_arm"])
    assert f"Unstratified: HR {comparison['cox']['hr']:.2f} (" in " ".join(by_arm)
    assert "Months since randomization" in by_arm
    assert texts(run.figures["OS"]["pooled"], "comparison") == []


@pytest.fixture
def seen_while_drawing(monkeypatch):
    """The run's status and stored figures as the database held them while the worker drew."""
    seen = []
    draw = services._figures

    def watched(results, computed_at):
        seen.append(AnalysisRun.objects.values_list("status", "figures").get())
        return draw(results, computed_at)

    monkeypatch.setattr(services, "_figures", watched)
    return seen


def test_the_results_are_stored_before_the_figures_are_drawn(seen_while_drawing, run):
    assert seen_while_drawing == [(AnalysisRun.Status.DONE, None)]
    assert {name: set(kinds) for name, kinds in run.figures.items()} == {
        "OS": {"by_arm", "pooled"},
        "EFS": {"by_arm", "pooled"},
        "OS_SUBGROUPS": {"by_arm"},
    }


def test_a_figure_asked_for_before_it_is_stored_is_the_one_the_worker_stores(
    run, client, statistician
):
    stored = run.figures
    AnalysisRun.objects.filter(pk=run.pk).update(figures=None)
    client.force_login(statistician)

    for name, kinds in stored.items():
        for kind, svg in kinds.items():
            served = client.get(reverse("analysis-figure", args=[run.pk, name, kind]))
            assert (served.status_code, served.content.decode()) == (200, svg)
    missing = client.get(reverse("analysis-figure", args=[run.pk, "LFS", "by_arm"]))
    assert missing.status_code == 404


@pytest.fixture
def drawing_fails(monkeypatch, caplog):
    def fail(results, computed_at):
        raise RuntimeError("no room left on the device")

    monkeypatch.setattr(services, "_figures", fail)
    caplog.set_level(logging.ERROR, logger="endpoints.services")
    return caplog


def test_a_drawing_that_fails_leaves_the_run_done_and_its_figures_drawn_when_asked(
    drawing_fails, run, client, statistician
):
    assert (run.status, run.figures) == (AnalysisRun.Status.DONE, None)
    assert run.results["endpoints"]["OS"]["pooled"]["n"] == 6
    logged = [r.getMessage() for r in drawing_fails.get_records("setup")]  # the run's
    assert f"Analysis run {run.pk}: figures not stored; drawn when asked" in logged
    client.force_login(statistician)

    served = client.get(reverse("analysis-figure", args=[run.pk, "OS", "pooled"]))

    assert served.status_code == 200
    assert texts(served.content, "at-risk-pooled-0")[0].text == "6"
