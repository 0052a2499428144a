"""The stopping boundaries agree with rpact 3.3.4 (R 4.2.2) for every design of the reference.

Reference: tests/data/reference/reference_group_sequential.json, printed by
r_scripts/group_sequential.R: Lan-DeMets O'Brien-Fleming and Pocock type spending,
one-sided alpha = 0.025 and two-sided alpha = 0.05, 2 to 5 looks at equal and unequal
information fractions, and looks taken at numbers of deaths other than planned (rpact
"asUser", the rates rescaled to the last look). rpact solves each boundary to a tolerance of
1e-8 on the alpha and integrates on a coarser grid than ours; the two agree to 2.5e-7 on z,
and to 1.6e-6 where rpact writes an infinite first boundary (a look at 7% of the deaths,
below its floating-point floor).
"""

from __future__ import annotations

import math

import pytest

from endpoints.statistics.group_sequential import Look, spending_boundaries
from tests.endpoints.r_reference import reference

FIGURES = reference("reference_group_sequential.json")
Z_TOLERANCE = 2e-6
RPACT_INFINITE_FROM = 8.0  # rpact's C_UPPER_BOUNDS_DEFAULT: a z beyond it counts as never crossed


def _ours(design: dict) -> list[Look]:
    if "deaths" in design:
        return spending_boundaries(
            [deaths / design["plannedDeaths"] for deaths in design["deaths"]],
            spending=design["spending"],
            alpha=design["alpha"],
            sided=design["sided"],
            last_is_final=design["lastIsFinal"],
        )
    return spending_boundaries(
        design["informationRates"],
        spending=design["typeOfDesign"],
        alpha=design["alpha"],
        sided=design["sided"],
    )


def _name(design: dict) -> str:
    return design["name"]


def test_the_reference_covers_the_designs_the_trial_may_choose():
    designs = FIGURES["designs"]
    assert FIGURES["software"] == {
        "R": "R version 4.2.2 Patched (2022-11-10 r83330)",
        "rpact": "3.3.4",
    }
    assert {d["typeOfDesign"] for d in designs} == {"asOF", "asP"}
    assert {(d["alpha"], d["sided"]) for d in designs} == {(0.025, 1), (0.05, 2)}
    assert {len(d["informationRates"]) for d in designs} == {2, 3, 4, 5}
    assert any(d["deaths"][-1] > d["plannedDeaths"] for d in FIGURES["looks_taken"])
    assert any(d["deaths"][-1] < d["plannedDeaths"] for d in FIGURES["looks_taken"])


@pytest.mark.parametrize("design", FIGURES["designs"] + FIGURES["looks_taken"], ids=_name)
def test_critical_values_nominal_levels_and_alpha_spent_equal_rpact(design):
    looks = _ours(design)

    assert len(looks) == len(design["criticalValues"])
    for look, z, level, spent in zip(
        looks, design["criticalValues"], design["stageLevels"], design["alphaSpent"], strict=True
    ):
        if z is None:  # rpact: Inf, the alpha to spend being below 1e-16
            assert look.critical_value > RPACT_INFINITE_FROM
            assert look.nominal_p < 1e-15
            continue
        assert look.critical_value == pytest.approx(z, abs=Z_TOLERANCE)
        assert look.nominal_p == pytest.approx(level, rel=1e-5, abs=1e-10)
        # rpact integrates the alpha spent back from its boundaries (the last floored to 1e-8).
        assert look.cumulative_alpha == pytest.approx(spent, abs=2e-8)


@pytest.mark.parametrize("design", FIGURES["designs"], ids=_name)
def test_the_alpha_allowed_at_each_look_is_the_spending_function_r_evaluates(design):
    looks = _ours(design)

    for look, allowed in zip(looks, design["spendingFunction"], strict=True):
        assert look.cumulative_alpha == pytest.approx(allowed, rel=1e-12)


def test_a_last_look_short_of_the_plan_not_declared_final_spends_only_its_share():
    (design,) = [
        d for d in FIGURES["designs"] if d["name"] == "asOF alpha=0.025 sided=1 t=0.4,0.8,0.95"
    ]
    looks = _ours(design)

    assert looks[-1].cumulative_alpha < 0.025
    assert looks[-1].critical_value == pytest.approx(design["criticalValues"][-1], abs=Z_TOLERANCE)
    assert not math.isinf(looks[-1].critical_value)
