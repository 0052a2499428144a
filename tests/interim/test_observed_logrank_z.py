"""A look's observed z is the analysis' log-rank, signed so that benefit of dexamethasone is
positive (fewer deaths on dexamethasone than expected under no difference).

By hand, four patients randomized the same day: control deaths on days 30 and 60, a
dexamethasone death on day 90 and a dexamethasone patient alive on day 120.
  day 30: 4 at risk (2 dex), 1 death: E_dex = 1/2, V = 1/2 · 1/2 · 3/3 = 1/4
  day 60: 3 at risk (2 dex), 1 death: E_dex = 2/3, V = 2/3 · 1/3 = 2/9
  day 90: 2 at risk (both dex), 1 death: E_dex = 1, V = 0
O_dex - E_dex = 1 - 13/6 = -7/6, V = 17/36: z = (7/6) / √(17/36) = 7/√17.
"""

from __future__ import annotations

import math

import pytest

from endpoints.datasets import patient_facts, time_to_event_rows
from endpoints.statistics.comparison import logrank
from interim import services
from tests.interim.conftest import month

HAND_MADE = [
    ("control", "intensive", 30, 0),
    ("control", "intensive", 60, 0),
    ("dex", "intensive", 90, 0),
    ("dex", "intensive", None, 120),
]


def test_fewer_deaths_on_dexamethasone_give_a_positive_z_equal_to_the_hand_computed_one(
    legacy_trial, analysed, plan, statistician
):
    legacy_trial(HAND_MADE)

    look = services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))

    assert look.logrank_z == pytest.approx(7 / math.sqrt(17), rel=1e-12)
    assert look.deaths == 3
    assert look.information_fraction == pytest.approx(3 / 20)


def test_more_deaths_on_dexamethasone_give_a_negative_z(legacy_trial, analysed, plan, statistician):
    legacy_trial([(("dex" if arm == "control" else "control"), *rest) for arm, *rest in HAND_MADE])

    look = services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))

    assert look.logrank_z == pytest.approx(-7 / math.sqrt(17), rel=1e-12)


def test_the_z_is_the_stratified_log_rank_of_the_protocol_analysis(
    legacy_trial, analysed, plan, statistician, settings
):
    settings.TRIAL_ANALYSIS_STRATA = ["regimen"]
    legacy_trial(
        [
            ("control", "intensive", 20, 0),
            ("dex", "intensive", 45, 0),
            ("dex", "intensive", None, 150),
            ("control", "intensive", 70, 0),
            ("control", "azacitidine", 15, 0),
            ("control", "azacitidine", None, 140),
            ("dex", "azacitidine", 25, 0),
            ("dex", "azacitidine", 100, 0),
            ("dex", "azacitidine", None, 130),
        ]
    )
    run = analysed(month(6))

    look = services.interim_look_take(user=statistician, analysis_run=run)

    facts = {f.study_id: f for f in patient_facts(month(6))}
    rows = [r for r in time_to_event_rows(facts.values(), month(6)) if r.parameter == "OS"]
    test = logrank(
        [r.days for r in rows],
        [r.event for r in rows],
        [facts[r.study_id].arm for r in rows],
        treatment="dex",
        reference="control",
        strata=[facts[r.study_id].regimen for r in rows],
    )
    signed = math.copysign(math.sqrt(test.chisq), test.expected["dex"] - test.observed["dex"])
    assert look.strata_factors == ["regimen"]
    assert look.logrank_z == pytest.approx(signed, rel=1e-12)
    unstratified = run.results["endpoints"]["OS"]["comparison"]["unstratified"]["logrank"]
    assert math.sqrt(unstratified["chisq"]) != pytest.approx(abs(look.logrank_z), rel=1e-6)
