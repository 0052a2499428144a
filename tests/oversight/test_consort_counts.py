"""The CONSORT flow counted box by box on the hand-made trial of conftest.py.

Every screened patient follows one path: excluded (criteria not met, declined, other
reasons) or randomized; then allocated, treated as allocated or not (and why), followed up,
and analysed by intention to treat. Only what is dated on or before the cut-off counts.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from oversight.consort import consort_flow
from tests.oversight.conftest import CUTOFF

POOLED = {
    "assessed": 13,
    "excluded": 6,
    "excluded-criteria": 3,
    "excluded-declined": 2,
    "excluded-other": 1,
    "randomized": 7,
    "allocated": 7,
    "received": 3,
    "not-received": 4,
    "not-received-died": 1,
    "not-received-withdrew": 1,
    "not-received-lost": 0,
    "not-received-waiting": 0,
    "not-received-dexamethasone": 2,
    "lost": 1,
    "withdrew": 1,
    "died": 2,
    "discontinued": 2,
    "discontinued-progression": 1,
    "discontinued-toxicity": 1,
    "discontinued-withdrawal": 0,
    "discontinued-death": 0,
    "discontinued-investigator": 0,
    "analysed": 7,
    "excluded-from-analysis": 0,
}
BY_ARM = {
    "allocated": (4, 3),
    "received": (2, 1),
    "not-received": (2, 2),
    "not-received-died": (1, 0),
    "not-received-withdrew": (0, 1),
    "not-received-dexamethasone": (1, 1),
    "lost": (1, 0),
    "withdrew": (0, 1),
    "died": (1, 1),
    "discontinued": (1, 1),
    "discontinued-toxicity": (1, 0),
    "discontinued-progression": (0, 1),
    "analysed": (4, 3),
    "excluded-from-analysis": (0, 0),
}


def test_it_counts_every_box_of_the_hand_made_trial_pooled(consort_trial):
    counts = consort_flow(CUTOFF).counts(by_arm=False)

    assert {key: row["all"] for key, row in counts.items()} == POOLED
    assert all(set(row) == {"all"} for row in counts.values())


def test_it_counts_the_allocation_follow_up_and_analysis_boxes_by_arm(consort_trial):
    counts = consort_flow(CUTOFF).counts(by_arm=True)

    for key, (dex, control) in BY_ARM.items():
        assert (counts[key]["dex"], counts[key]["control"]) == (dex, control), key
        assert counts[key]["all"] == dex + control
    # Enrolment happens before allocation: never split by arm.
    assert set(counts["assessed"]) == set(counts["excluded-declined"]) == {"all"}


def test_it_puts_each_patient_in_the_box_the_records_say(consort_trial):
    flow = consort_flow(CUTOFF)

    def ids(key: str, arm: str | None = None) -> set[str]:
        return {p.study_id for p in flow.members(key, arm)}

    t = consort_trial
    assert ids("excluded-declined") == {p.study_id for p in t.failures[3:]}
    assert ids("excluded-criteria") == {p.study_id for p in t.failures[:3]}
    assert ids("excluded-other") == {t.late.study_id}
    assert ids("not-received-dexamethasone", "dex") == {t.d3.study_id}
    assert ids("not-received-dexamethasone", "control") == {t.c2.study_id}
    assert ids("not-received-died") == {t.d4.study_id}
    assert ids("not-received-withdrew") == {t.c3.study_id}
    assert ids("lost") == {t.d1.study_id}
    assert ids("died") == {t.c1.study_id, t.d4.study_id}


def test_it_leaves_out_what_happened_after_the_cut_off(consort_trial):
    flow = consort_flow(CUTOFF)
    assessed = {p.study_id for p in flow.members("assessed")}

    assert consort_trial.after.study_id not in assessed  # screened on 25 May
    assert consort_trial.d2.study_id not in {p.study_id for p in flow.members("died")}
    assert consort_trial.late.study_id not in {p.study_id for p in flow.members("randomized")}

    today = consort_flow(dt.date(2025, 6, 2)).counts(by_arm=True)
    assert today["assessed"]["all"] == 14
    assert today["randomized"]["all"] == 8
    assert today["died"]["dex"] == 2  # D2 died on 30 May
    assert today["not-received-waiting"]["control"] == 1  # the late patient


def test_it_counts_nobody_treated_on_the_day_of_randomization(consort_trial):
    counts = consort_flow(dt.date(2025, 3, 5)).counts(by_arm=True)

    assert counts["randomized"]["all"] == 7
    assert counts["received"]["all"] == 0
    assert counts["not-received-waiting"] == {"all": 7, "dex": 4, "control": 3}
    assert counts["excluded-other"]["all"] == 1


def test_it_counts_in_one_query_the_database_sorting_patients_into_paths(consort_trial):
    with CaptureQueriesContext(connection) as queries:
        consort_flow(CUTOFF)

    assert len(queries) == 1
