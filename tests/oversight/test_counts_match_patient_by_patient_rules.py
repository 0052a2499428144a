"""The CONSORT flow and the DMC report count by the database what they used to count patient
by patient in Python: every figure is the same.

Compared with the previous code (tests/oversight/patient_by_patient.py) on the hand-made
trial of conftest.py and on a demo trial of 60 patients (screen failures, patients waiting,
on treatment, in follow-up with visits done, late, missed and overdue, queries of every
status and age, deviations corrected or not, deaths, withdrawals), at cut-offs across the
trial's life; and in a time zone where a randomization's day is not its day in UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from oversight import dmc_closed, dmc_report
from oversight.baseline import (
    baseline_table,
    columns_by_arm,
    columns_by_site,
    columns_by_stratum,
)
from oversight.consort import consort_flow
from tests.oversight import baseline_before
from tests.oversight import patient_by_patient as before
from tests.oversight.conftest import CUTOFF
from tests.oversight.demo_trial import LOADED_AT, cutoffs_across_the_trial


def _cutoffs() -> list[dt.date]:
    return cutoffs_across_the_trial(6)


def _assert_same_flow(cutoff: dt.date) -> None:
    flow = consort_flow(cutoff)
    for by_arm in (False, True):
        assert flow.counts(by_arm=by_arm) == before.consort_counts(cutoff, by_arm=by_arm), (
            cutoff,
            by_arm,
        )
    paths = [(p.study_id, p.arm, p.boxes) for p in flow.members("assessed")]
    assert paths == before.consort_paths(cutoff), cutoff


def _assert_same_sections(cutoff: dt.date) -> None:
    assert dmc_report.accrual_at(cutoff) == before.accrual_at(cutoff), cutoff
    assert dmc_report.completeness_at(cutoff) == before.completeness_at(cutoff), cutoff
    assert dmc_report.overdue_visits_at(cutoff) == before.overdue_visits_at(cutoff), cutoff
    assert dmc_report.queries_at(cutoff) == before.queries_at(cutoff), cutoff
    assert dmc_closed.deviations_at(cutoff) == before.deviations_at(cutoff), cutoff
    patients = before.baseline_patients(cutoff)
    assert patients == baseline_before.baseline_patients(cutoff), cutoff
    for counted, read in (
        (columns_by_stratum(), baseline_before.columns_by_stratum()),
        (columns_by_site(cutoff), baseline_before.columns_by_site(patients)),
        (columns_by_arm(), baseline_before.columns_by_arm()),
    ):
        assert baseline_table(cutoff, counted) == before.baseline_table(patients, read), cutoff


def test_the_demo_trial_has_every_kind_of_record_compared(demo_trial):
    sections = dmc_report.open_part(LOADED_AT.date())
    closed = dmc_closed.deviations_at(LOADED_AT.date())
    counts = consort_flow(LOADED_AT.date()).counts(by_arm=True)

    for box in ("excluded-criteria", "received", "not-received", "died", "discontinued"):
        assert counts[box]["all"] > 0, box
    assert sections["overdue_visits"]["total"] > 0
    assert any(row["visits_missed"] for row in sections["completeness"])
    assert all(sections["queries"]["totals"])  # open, answered and closed queries
    assert any(any(row["by_arm"]) for row in closed["rows"])


def test_the_demo_trial_flows_through_the_same_boxes_at_every_cut_off(demo_trial):
    for cutoff in _cutoffs():
        _assert_same_flow(cutoff)


def test_the_demo_trial_has_the_same_dmc_report_figures_at_every_cut_off(demo_trial):
    for cutoff in _cutoffs():
        _assert_same_sections(cutoff)


def test_the_whole_report_reads_as_the_same_json_with_the_same_sha_256(demo_trial):
    dmc = User.objects.get(username="dmc")
    content = dmc_report.dmc_report(user=dmc, cutoff=LOADED_AT.date(), part="full")

    assert len(content["closed"]["safety_tables"].listing) > 5  # SAEs, as dataclasses
    assert dmc_report.report_json(content) == before.report_json(content)
    assert (
        dmc_report.report_fingerprint(content)
        == hashlib.sha256(
            json.dumps(before.report_json(content), sort_keys=True).encode()
        ).hexdigest()
    )


def test_the_hand_made_trial_has_the_same_figures_around_its_dates(consort_trial):
    for cutoff in (dt.date(2025, 3, 4), dt.date(2025, 3, 5), CUTOFF, dt.date(2025, 6, 2)):
        _assert_same_flow(cutoff)
        _assert_same_sections(cutoff)


def test_a_randomization_counts_on_its_day_in_the_trials_time_zone(consort_trial, settings):
    """The randomizations of 09:00 and 10:00 in Paris on 5 March were at 22:00 and 23:00 on
    4 March in Honolulu: a trial kept there counts them by a 4 March cut-off, which a day
    taken in UTC (5 March for all seven) would not."""
    settings.TIME_ZONE = "Pacific/Honolulu"
    cutoff = dt.date(2025, 3, 4)

    assert consort_flow(cutoff).count("randomized") == 2
    assert dmc_report.accrual_at(cutoff)["randomized"] == 2
    _assert_same_flow(cutoff)
    _assert_same_sections(cutoff)


def test_the_reads_take_as_many_queries_for_one_patient_as_for_the_whole_demo(demo_trial):
    dmc = User.objects.get(username="dmc")
    first_day, *_ = _cutoffs()[1:]
    small, large = first_day, LOADED_AT.date()
    assert (
        consort_flow(small).count("randomized") < 5 < 40 < consort_flow(large).count("randomized")
    )

    def queries(read) -> list[int]:
        counted = []
        for cutoff in (small, large):
            with CaptureQueriesContext(connection) as context:
                read(cutoff)
            counted.append(len(context))
        return counted

    for read in (
        consort_flow,
        lambda cutoff: dmc_report.dmc_report(user=dmc, cutoff=cutoff, part="open"),
        lambda cutoff: dmc_report.dmc_report(user=dmc, cutoff=cutoff, part="closed"),
    ):
        small_trial, whole_trial = queries(read)
        assert small_trial == whole_trial
