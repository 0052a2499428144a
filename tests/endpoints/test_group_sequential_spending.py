"""Boundaries for the looks actually taken: each spends what the spending function allows.

The information fraction of a look is its deaths over the deaths planned for the final
analysis; looks come when the deaths come, unequally and not as planned. A look at or beyond
the planned deaths is the final analysis and spends all the alpha left (alpha(t) is capped at 1,
while the correlations keep the actual deaths); the statistician may also declare a last look
short of the plan final.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import endpoints.statistics.group_sequential as group_sequential
from endpoints.statistics.group_sequential import (
    BoundaryError,
    Spending,
    alpha_spent,
    boundaries_for_alpha,
    crossing_probabilities,
    spending_boundaries,
)


def _spent(looks, fractions, sided):
    crossed = crossing_probabilities(
        fractions, [look.critical_value for look in looks], sided=sided
    )
    return np.cumsum(crossed)


@pytest.mark.parametrize("spending", list(Spending))
@pytest.mark.parametrize(("alpha", "sided"), [(0.025, 1), (0.05, 2)])
@pytest.mark.parametrize(
    "fractions", [[0.21, 0.47, 0.93], [0.05, 0.5, 0.51, 1.0], [0.62, 1.0], [0.3, 0.7, 0.9, 1.0]]
)
def test_the_probability_of_stopping_by_each_look_is_the_alpha_spent_at_its_fraction(
    spending, alpha, sided, fractions
):
    looks = spending_boundaries(fractions, spending=spending, alpha=alpha, sided=sided)

    expected = [alpha_spent(spending, t, alpha, sided) for t in fractions]
    assert _spent(looks, fractions, sided) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert [look.cumulative_alpha for look in looks] == pytest.approx(expected, rel=1e-15)


def test_spending_functions_at_known_points():
    # O'Brien-Fleming type spends 6% of the alpha by half the deaths; Pocock type half of it
    # by 38% of them.
    assert alpha_spent("asOF", 0.5, 0.025) == pytest.approx(0.0015253, rel=1e-4)
    assert alpha_spent("asP", (math.sqrt(math.e) - 1) / (math.e - 1), 0.025) == pytest.approx(
        0.0125, rel=1e-12
    )
    for spending in Spending:
        assert alpha_spent(spending, 1.0, 0.025) == pytest.approx(0.025, rel=1e-12)
        assert alpha_spent(spending, 1.0, 0.05, sided=2) == pytest.approx(0.05, rel=1e-12)
        assert alpha_spent(spending, 0.0, 0.025) == 0.0


def test_more_deaths_than_planned_spend_all_the_alpha_with_the_actual_correlations():
    # 215 deaths at the final analysis where 200 were planned: t = 1.075, capped at 1.
    fractions = [70 / 200, 140 / 200, 215 / 200]
    looks = spending_boundaries(fractions, spending="asOF", alpha=0.025)

    assert looks[-1].information_fraction == pytest.approx(1.075)
    assert looks[-1].cumulative_alpha == 0.025
    assert _spent(looks, fractions, 1)[-1] == pytest.approx(0.025, rel=1e-9)
    # The correlations are those of the deaths: as if the plan had been 215 deaths.
    rescaled = boundaries_for_alpha(
        [70, 140, 215], [look.cumulative_alpha for look in looks], sided=1
    )
    assert [look.critical_value for look in looks] == pytest.approx(
        [look.critical_value for look in rescaled], abs=1e-12
    )
    # More information, the same alpha: the last boundary is above a planned t = 1 look's.
    planned = spending_boundaries([0.35, 0.7, 1.0], spending="asOF", alpha=0.025)
    assert looks[-1].critical_value > planned[-1].critical_value


def test_no_look_can_follow_one_at_the_planned_deaths():
    with pytest.raises(BoundaryError, match="final analysis"):
        spending_boundaries([0.5, 1.0, 1.2], spending="asP", alpha=0.025)


def test_a_final_analysis_declared_short_of_the_planned_deaths_spends_all_that_is_left():
    fractions = [0.4, 0.8, 0.95]
    final = spending_boundaries(fractions, spending="asOF", alpha=0.025, last_is_final=True)
    not_final = spending_boundaries(fractions, spending="asOF", alpha=0.025)

    assert final[-1].cumulative_alpha == 0.025
    assert _spent(final, fractions, 1)[-1] == pytest.approx(0.025, rel=1e-9)
    assert final[-1].critical_value < not_final[-1].critical_value
    assert final[:2] == not_final[:2]  # the interim looks are not changed by it


def test_a_look_that_spends_nothing_has_no_boundary_and_is_carried_over():
    looks = boundaries_for_alpha([1, 2, 3], [0.0, 0.01, 0.025], sided=1)

    assert math.isinf(looks[0].critical_value)
    assert looks[0].nominal_p == 0.0
    assert sum(crossing_probabilities([1, 2, 3], [look.critical_value for look in looks])) == (
        pytest.approx(0.025, rel=1e-9)
    )


@pytest.mark.parametrize(
    ("fractions", "message"),
    [
        ([0.5, 0.5, 1.0], "more information"),
        ([0.6, 0.4, 1.0], "more information"),
        ([0.0, 1.0], "more information"),
        ([], "no look"),
    ],
)
def test_looks_out_of_order_are_refused(fractions, message):
    with pytest.raises(BoundaryError, match=message):
        spending_boundaries(fractions, spending="asOF", alpha=0.025)


def test_an_alpha_or_sidedness_out_of_range_is_refused():
    with pytest.raises(BoundaryError, match="alpha"):
        spending_boundaries([0.5, 1.0], spending="asOF", alpha=1.5)
    with pytest.raises(BoundaryError, match="sided"):
        spending_boundaries([0.5, 1.0], spending="asOF", alpha=0.05, sided=3)


def test_the_integration_is_accurate_to_1e_8_on_z(monkeypatch):
    # The default grid against one four times finer, on unequal looks and a tiny first alpha.
    fractions = [0.07, 0.1, 0.9, 1.0]
    default = spending_boundaries(fractions, spending="asOF", alpha=0.05, sided=2)
    monkeypatch.setattr(group_sequential, "GRID_R", 4 * group_sequential.GRID_R)
    finer = spending_boundaries(fractions, spending="asOF", alpha=0.05, sided=2)

    assert [look.critical_value for look in default] == pytest.approx(
        [look.critical_value for look in finer], abs=1e-8
    )
