"""The subgroup analysis of OS where the data stop determining an answer.

A level without deaths, or with one arm only, or with deaths in one arm only has no finite
hazard ratio: it is reported as not estimable with the reason, and the rest is computed. A
factor observed at one level has no interaction to test. The interaction test itself is
checked on two trials built to know its answer: the same patients copied into both levels
(the effect is identical: likelihood ratio 0, p = 1) and copied with the arms swapped in the
second level (opposite effects: a large statistic).
"""

from __future__ import annotations

import pytest

from endpoints.plots import forest_svg
from endpoints.subgroups import os_subgroups
from tests.endpoints.subgroup_data import patient

# Twelve patients, DEX dying later than CONTROL, with ties between the arms.
BASE = [
    ("dex", 40, 1), ("dex", 90, 1), ("dex", 120, 0), ("dex", 200, 1), ("dex", 300, 0),
    ("dex", 30, 1), ("control", 20, 1), ("control", 40, 1), ("control", 60, 1),
    ("control", 90, 0), ("control", 150, 1), ("control", 30, 1),
]  # fmt: skip
OTHER_ARM = {"dex": "control", "control": "dex"}


def _analyse(patients):
    facts_by_id = {facts.study_id: facts for facts, _ in patients}
    return os_subgroups([row for _, row in patients], facts_by_id)


def _factor(result, code):
    return next(f for f in result["factors"] if f["code"] == code)


def _trial(second_level_arms=lambda arm: arm, copies=1, **second_level):
    """BASE as NPM1 wild type, then BASE again as NPM1 mutated (arms mapped as told);
    each level holds `copies` copies of BASE."""
    base = BASE * copies
    patients = [
        patient(f"W{i}", arm=arm, days=days, event=event, NPM1="not_detected")
        for i, (arm, days, event) in enumerate(base)
    ]
    patients += [
        patient(
            f"M{i}",
            arm=second_level_arms(arm),
            days=days,
            event=event,
            **{"NPM1": "detected", **second_level},
        )
        for i, (arm, days, event) in enumerate(base)
    ]
    return patients


def test_it_finds_no_interaction_where_both_levels_hold_the_same_patients():
    npm1 = _factor(_analyse(_trial()), "NPM1")
    mutated, wild_type = npm1["levels"]

    assert mutated["hr"] == pytest.approx(wild_type["hr"], rel=1e-9)
    assert npm1["interaction"]["df"] == 1
    assert npm1["interaction"]["lr_chisq"] == pytest.approx(0, abs=1e-9)
    assert npm1["interaction"]["p"] == pytest.approx(1, abs=1e-6)


def test_it_finds_a_large_interaction_where_the_effect_is_reversed_in_one_level():
    npm1 = _factor(_analyse(_trial(second_level_arms=OTHER_ARM.get, copies=4)), "NPM1")
    mutated, wild_type = npm1["levels"]
    same = _factor(_analyse(_trial(copies=4)), "NPM1")

    assert mutated["hr"] == pytest.approx(1 / wild_type["hr"], rel=1e-6)
    assert wild_type["hr"] < 0.5
    assert npm1["interaction"]["lr_chisq"] > 10
    assert npm1["interaction"]["p"] < 0.01
    assert same["interaction"]["p"] == pytest.approx(1, abs=1e-6)


def test_it_reports_a_level_without_deaths_as_not_estimable_and_computes_the_others():
    patients = _trial()
    patients += [
        patient(f"R{i}", arm=arm, days=100, event=0, RUNX1="detected")
        for i, arm in enumerate(["dex", "control", "dex"])
    ]
    result = _analyse(patients)
    mutated = _factor(result, "RUNX1")["levels"][0]

    assert (mutated["n"], mutated["events"]) == (3, 0)
    assert mutated["hr"] is None
    assert mutated["not_estimable"] == "No deaths: the hazard ratio is not estimable."
    assert result["overall"]["hr"] is not None
    assert "not estimable" in forest_svg(result, cutoff="2024-12-31", computed_at="now")


def test_it_reports_deaths_in_one_arm_only_as_a_hazard_ratio_that_is_not_finite():
    patients = [
        patient("D1", arm="dex", days=50, event=0, FLT3_ITD="detected"),
        patient("D2", arm="dex", days=80, event=0, FLT3_ITD="detected"),
        patient("C1", arm="control", days=30, event=1, FLT3_ITD="detected"),
        patient("C2", arm="control", days=60, event=1, FLT3_ITD="detected"),
        *[
            patient(f"W{i}", arm=arm, days=days, event=event, FLT3_ITD="not_detected")
            for i, (arm, days, event) in enumerate(BASE)
        ],
    ]
    flt3 = _factor(_analyse(patients), "FLT3-ITD")
    mutated, wild_type = flt3["levels"]

    assert mutated["hr"] is None
    assert "not finite" in mutated["not_estimable"]
    assert wild_type["hr"] is not None
    # As R's anova, the test is still given, and said to rest on an infinite coefficient.
    assert flt3["interaction"]["separation"] is True
    assert flt3["interaction"]["p"] is not None


def test_it_reports_a_level_with_one_arm_only_as_nothing_to_compare():
    patients = [*_trial(), patient("A1", arm="dex", days=10, event=1, eln_risk="adverse")]
    adverse = _factor(_analyse(patients), "eln_risk")["levels"][2]

    assert adverse["not_estimable"] == "One arm only: nothing to compare."


def test_it_gives_no_interaction_test_for_a_factor_seen_at_one_level_only():
    """Every patient received intensive salvage: the regimen factor has one level."""
    result = _analyse(_trial())
    regimen = _factor(result, "regimen")
    intensive, azacitidine = regimen["levels"]

    assert intensive["n"] == 2 * len(BASE) and intensive["hr"] is not None
    assert azacitidine["n"] == 0 and azacitidine["not_estimable"] == "No patients."
    assert regimen["interaction"] == {
        "lr_chisq": None,
        "df": 0,
        "p": None,
        "not_estimable": "One level only.",
    }


def test_it_leaves_patients_of_unknown_level_out_of_that_factor_only():
    patients = [
        *_trial(),
        patient("U1", arm="dex", days=70, event=1, NPM1="not_tested"),
        patient("U2", arm="control", days=75, event=1),
    ]
    result = _analyse(patients)
    npm1 = _factor(result, "NPM1")

    assert npm1["n_unknown"] == 2
    assert sum(level["n"] for level in npm1["levels"]) == 2 * len(BASE)
    assert result["overall"]["n"] == 2 * len(BASE) + 2
