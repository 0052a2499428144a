"""Taking a look: deaths over planned deaths give t; the boundary of every look taken is
recomputed with the fractions actually observed, and the verdict compares the observed z.

The trial: 20 deaths planned, O'Brien-Fleming type spending, one-sided 0.025 (conftest.plan).
Thirty patients randomized on 1 January 2025; 15 control patients die, one every week or so,
no dexamethasone patient does. Deaths come when they come: 4 by 1 March (t = 0.2), 7 by 1 April
(t = 0.35, not the planned 1/3), 11 by 1 May, 15 by 1 June.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from endpoints.statistics.group_sequential import spending_boundaries
from interim import selectors, services
from interim.models import InterimLook
from tests.interim.conftest import month

# Control patients die on days 20, 25, ... (before cut-offs 1 April, 1 June, 2 June); the
# dexamethasone patients mostly live: the z grows with the information.
JUNE_2 = dt.date(2025, 6, 2)
CONTROL_DEATH_DAYS = [20, 30, 40, 50, 60, 70, 80, 95, 100, 110, 120, 125, 130, 140, 145]


def _trial(legacy_trial):
    legacy_trial(
        [("control", "intensive", day, 0) for day in CONTROL_DEATH_DAYS]
        + [("dex", "intensive", None, 150) for _ in range(15)]
    )


def test_boundaries_follow_the_fractions_actually_observed(
    plan, statistician, legacy_trial, analysed
):
    _trial(legacy_trial)
    first = services.interim_look_take(user=statistician, analysis_run=analysed(month(3)))
    second = services.interim_look_take(user=statistician, analysis_run=analysed(month(4)))

    fractions = [first.deaths / 20, second.deaths / 20]
    expected = spending_boundaries(fractions, spending="asOF", alpha=0.025, sided=1)
    assert [first.information_fraction, second.information_fraction] == fractions
    assert fractions != [1 / 3, 2 / 3][: len(fractions)]
    assert first.critical_value == pytest.approx(expected[0].critical_value, abs=1e-12)
    assert second.critical_value == pytest.approx(expected[1].critical_value, abs=1e-12)
    rows = selectors.interim_overview().looks
    assert [row.critical_value for row in rows] == pytest.approx(
        [b.critical_value for b in expected], abs=1e-12
    )
    assert [row.boundary.cumulative_alpha for row in rows] == pytest.approx(
        [b.cumulative_alpha for b in expected]
    )


def test_a_z_above_the_boundary_crosses_it_for_efficacy(plan, statistician, legacy_trial, analysed):
    _trial(legacy_trial)
    look = services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))

    assert look.logrank_z > look.critical_value
    assert look.verdict == InterimLook.Verdict.EFFICACY
    assert not look.final  # the committee weighs it; a later look stays possible


def test_no_look_follows_the_final_analysis(plan, statistician, legacy_trial, analysed):
    _trial(legacy_trial)
    services.interim_look_take(user=statistician, analysis_run=analysed(month(5)), final=True)

    with pytest.raises(ValidationError, match="no look follows"):
        services.interim_look_take(user=statistician, analysis_run=analysed(JUNE_2))


def test_more_deaths_than_planned_make_the_final_analysis_spending_all_the_alpha(
    statistician, legacy_trial, analysed, frozen_today
):
    services.interim_plan_declare(
        user=statistician,
        planned_deaths=10,
        planned_fractions=[0.5, 1.0],
        spending="asP",
        alpha=0.025,
        sided=1,
    )
    _trial(legacy_trial)
    first = services.interim_look_take(user=statistician, analysis_run=analysed(month(2)))
    final = services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))

    assert final.information_fraction == pytest.approx(15 / 10)
    assert final.final
    assert final.cumulative_alpha == 0.025
    expected = spending_boundaries(
        [first.information_fraction, 1.5], spending="asP", alpha=0.025, sided=1
    )
    assert final.critical_value == pytest.approx(expected[1].critical_value, abs=1e-12)


def test_a_final_analysis_declared_short_of_the_planned_deaths_spends_all_the_alpha(
    plan, statistician, legacy_trial, analysed
):
    _trial(legacy_trial)
    look = services.interim_look_take(
        user=statistician, analysis_run=analysed(month(5)), final=True, reason="Funding ends"
    )

    assert look.information_fraction < 1
    assert look.final and look.cumulative_alpha == 0.025


def test_a_look_needs_a_later_cut_off_and_new_deaths(plan, statistician, legacy_trial, analysed):
    _trial(legacy_trial)
    services.interim_look_take(user=statistician, analysis_run=analysed(month(4)))

    with pytest.raises(ValidationError, match="later cut-off"):
        services.interim_look_take(user=statistician, analysis_run=analysed(month(3)))
    # A later cut-off with no new death: no new information.
    with pytest.raises(ValidationError, match="new information"):
        services.interim_look_take(
            user=statistician, analysis_run=analysed(month(4).replace(day=2))
        )
    assert InterimLook.objects.count() == 1


def test_a_run_with_other_strata_than_the_protocol_is_refused(
    plan, statistician, legacy_trial, analysed
):
    _trial(legacy_trial)

    with pytest.raises(ValidationError, match="stratified by"):
        services.interim_look_take(
            user=statistician, analysis_run=analysed(month(4), strata_factors=[])
        )


def test_no_look_before_the_plan(statistician, legacy_trial, analysed, frozen_today):
    _trial(legacy_trial)

    with pytest.raises(ValidationError, match="plan first"):
        services.interim_look_take(user=statistician, analysis_run=analysed(month(4)))


@pytest.mark.parametrize("role", ["dmc", "data_manager", "sponsor"])
def test_only_the_statistician_takes_a_look(role, request, plan, legacy_trial, analysed):
    _trial(legacy_trial)
    run = analysed(month(4))

    with pytest.raises(PermissionDenied):
        services.interim_look_take(user=request.getfixturevalue(role), analysis_run=run)
    assert not InterimLook.objects.exists()
