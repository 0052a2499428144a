"""The integration reproduces the published tables of group-sequential boundaries.

Jennison & Turnbull (2000), Tables 2.1 and 2.3: Pocock's constant boundary C_P(K, alpha)
and O'Brien & Fleming's C_B(K, alpha) √(K/k), K equally spaced looks, two-sided
alpha = 0.05. Lan & DeMets (1983), DeMets & Lan (1994): the O'Brien-Fleming type spending
function at five equally spaced looks, two-sided alpha = 0.05: 4.877, 3.357, 2.680, 2.290,
2.031. The tables give 3 decimals.
"""

from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq

from endpoints.statistics.group_sequential import crossing_probabilities, spending_boundaries

POCOCK = {2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413}
OBRIEN_FLEMING = {2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040}


def _constant(shape, looks: int) -> float:
    information = list(range(1, looks + 1))

    def excess(c: float) -> float:
        bounds = [c * shape(k, looks) for k in information]
        return sum(crossing_probabilities(information, bounds, sided=2)) - 0.05

    return brentq(excess, 1.5, 4.0, xtol=1e-10)


@pytest.mark.parametrize("looks", POCOCK)
def test_pocock_constant_boundary(looks):
    assert _constant(lambda k, K: 1.0, looks) == pytest.approx(POCOCK[looks], abs=5e-4)


@pytest.mark.parametrize("looks", OBRIEN_FLEMING)
def test_obrien_fleming_boundary(looks):
    constant = _constant(lambda k, K: math.sqrt(K / k), looks)

    assert constant == pytest.approx(OBRIEN_FLEMING[looks], abs=5e-4)


def test_lan_demets_obrien_fleming_type_five_equal_looks():
    looks = spending_boundaries([0.2, 0.4, 0.6, 0.8, 1.0], spending="asOF", alpha=0.05, sided=2)

    assert [round(look.critical_value, 3) for look in looks] == [4.877, 3.357, 2.680, 2.290, 2.031]


def test_one_look_is_the_fixed_design():
    (look,) = spending_boundaries([1.0], spending="asP", alpha=0.05, sided=2)

    assert look.critical_value == pytest.approx(1.959963984540054, abs=1e-9)
    assert look.nominal_p == pytest.approx(0.025, abs=1e-12)
