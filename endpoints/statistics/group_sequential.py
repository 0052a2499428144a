"""Group-sequential stopping boundaries by Lan-DeMets alpha spending, as rpact computes them.

The z-statistics of successive looks are jointly normal with corr(Z_i, Z_j) = √(t_i/t_j)
(t_i ≤ t_j: the information, here the number of deaths, at each look). The probability of
stopping at look k is integrated numerically over the continuation regions of the looks before
it, by the recursion of Armitage, McPherson and Rowe (1969) on the grid of Jennison and
Turnbull (2000), chapter 19: Simpson's rule on points dense near the mean, sparse in the
tails. Each critical value is the root of "probability of crossing at look k = alpha spent
between looks k-1 and k". Pure numpy/scipy: no Django here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

GRID_R = 80  # J&T's r: 12r - 3 grid points per look; r = 16 already gives about 1e-6 in z
Z_TOLERANCE = 1e-12
Z_SEARCH_LIMIT = 40.0  # beyond this no probability is representable: the look spends nothing


class Spending(StrEnum):
    """Lan-DeMets alpha-spending functions (rpact's `typeOfDesign` names)."""

    OBRIEN_FLEMING = "asOF"
    POCOCK = "asP"


class BoundaryError(ValueError):
    """The looks or the alpha do not define a group-sequential design."""


def alpha_spent(spending: Spending | str, fraction: float, alpha: float, sided: int = 1) -> float:
    """Return alpha(t), the cumulative alpha the spending function allows at information fraction t.

    Defined on the one-sided level a1 = alpha / sided, as rpact and the published two-sided tables
    (Lan & DeMets 1983) do, and doubled for a two-sided test: O'Brien-Fleming type
    a1(t) = 2(1 - Φ(z_{1-a1/2}/√t)); Pocock type a1(t) = a1 ln(1 + (e-1)t). A fraction beyond 1
    (more deaths than planned) is capped at 1: all the alpha is spent.
    """
    if not 0 < alpha < 1:
        raise BoundaryError(f"alpha must lie between 0 and 1, not {alpha}")
    if sided not in (1, 2):
        raise BoundaryError(f"a test is one- or two-sided, not {sided}-sided")
    if fraction <= 0:
        return 0.0
    t, one_sided = min(fraction, 1.0), alpha / sided
    if Spending(spending) is Spending.OBRIEN_FLEMING:
        return sided * float(2 * norm.sf(norm.isf(one_sided / 2) / math.sqrt(t)))
    return sided * float(one_sided * math.log(1 + (math.e - 1) * t))


def _grid(lower: float, upper: float, r: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return Simpson's-rule points and weights on (lower, upper) for a standard normal Z.

    J&T (19.2): 6r - 1 points, equally spaced within 3 SD of the mean and spreading out
    logarithmically to 3 + 4 ln r SD; the points beyond a bound are replaced by the bound;
    midpoints are added, so Simpson's rule applies on each pair of intervals.
    """
    r = r or GRID_R
    i = np.arange(1, 6 * r, dtype=float)
    x = np.where(
        i < r,
        -3 - 4 * np.log(r / i),
        np.where(i <= 5 * r, -3 + 3 * (i - r) / (2 * r), 3 + 4 * np.log(r / (6 * r - i))),
    )
    inside = x[(x > lower) & (x < upper)]
    ends_low = [lower] if lower > x[0] else []
    ends_high = [upper] if upper < x[-1] else []
    odd = np.concatenate([ends_low, inside, ends_high])
    if len(odd) < 2:
        raise BoundaryError("the continuation region is too narrow to integrate over")
    points = np.empty(2 * len(odd) - 1)
    points[0::2] = odd
    points[1::2] = (odd[:-1] + odd[1:]) / 2
    weights = np.zeros_like(points)
    widths = np.diff(odd)
    weights[0::2][:-1] += widths / 6
    weights[0::2][1:] += widths / 6
    weights[1::2] = 4 * widths / 6
    return points, weights


@dataclass(frozen=True)
class _Continuation:
    """The sub-density of Z_k on the paths that have not stopped, times the grid's weights."""

    points: np.ndarray
    mass: np.ndarray
    information: float


def _start() -> _Continuation:
    # Before the first look nothing has stopped: Z "at information 0" is 0 with certainty.
    return _Continuation(points=np.zeros(1), mass=np.ones(1), information=0.0)


def _stop_above(state: _Continuation, information: float, bound: float) -> float:
    """P(Z_k ≥ bound, not stopped before) given the continuing paths at the previous look."""
    if math.isinf(bound):
        return 0.0 if bound > 0 else float(state.mass.sum())
    step = information - state.information
    centre = state.points * math.sqrt(state.information)
    return float(state.mass @ norm.sf((bound * math.sqrt(information) - centre) / math.sqrt(step)))


def _stop_below(state: _Continuation, information: float, bound: float) -> float:
    """P(Z_k ≤ bound, not stopped before)."""
    return _stop_above(
        _Continuation(state.points * -1, state.mass, state.information), information, -bound
    )


def _continue(
    state: _Continuation, information: float, lower: float, upper: float
) -> _Continuation:
    """Carry the sub-density over to look k, kept within its continuation region (lower, upper)."""
    points, weights = _grid(lower, upper)
    step = information - state.information
    scale = math.sqrt(information / step)
    shift = (
        points[:, None] * math.sqrt(information)
        - state.points[None, :] * math.sqrt(state.information)
    ) / math.sqrt(step)
    density = scale * norm.pdf(shift) @ state.mass
    return _Continuation(points=points, mass=weights * density, information=information)


@dataclass(frozen=True)
class Look:
    """The boundary at one look: reject H0 when Z ≥ critical_value (or Z ≤ -critical_value,
    two-sided)."""

    number: int
    information_fraction: float
    critical_value: float  # inf when the look spends no alpha
    nominal_p: float  # one-sided: 1 - Φ(critical_value), rpact's "stage level"
    cumulative_alpha: float  # alpha allowed up to this look (both sides when two-sided)
    alpha_increment: float


def crossing_probabilities(
    information: Sequence[float], critical_values: Sequence[float], *, sided: int = 1
) -> list[float]:
    """Return, under H0, the probability of first crossing the boundary at each look.

    One-sided: Z_k ≥ c_k; two-sided: |Z_k| ≥ c_k. `information` may be in any unit (deaths,
    or fractions of them): only the ratios matter.
    """
    _check_looks(information, sided)
    state = _start()
    crossed = []
    for info, bound in zip(information, critical_values, strict=True):
        probability = _stop_above(state, info, bound)
        if sided == 2:
            probability += _stop_below(state, info, -bound)
        crossed.append(probability)
        state = _continue(state, info, -bound if sided == 2 else -math.inf, bound)
    return crossed


def _check_looks(information: Sequence[float], sided: int) -> None:
    if sided not in (1, 2):
        raise BoundaryError(f"a test is one- or two-sided, not {sided}-sided")
    if not information:
        raise BoundaryError("no look to compute a boundary for")
    if information[0] <= 0 or any(b <= a for a, b in itertools.pairwise(information)):
        raise BoundaryError(
            "each look must have more information (deaths) than the one before it, and the "
            "first more than none"
        )


def boundaries_for_alpha(
    information: Sequence[float], cumulative_alpha: Sequence[float], *, sided: int = 1
) -> list[Look]:
    """Return the critical values that spend exactly `cumulative_alpha` by each look.

    The general form (rpact's typeOfDesign="asUser"): the spending functions and the
    over-running of the planned deaths are reduced to it.
    """
    _check_looks(information, sided)
    if len(cumulative_alpha) != len(information):
        raise BoundaryError("one cumulative alpha per look")
    if any(b < a for a, b in itertools.pairwise(cumulative_alpha)) or not (
        cumulative_alpha[0] >= 0 and cumulative_alpha[-1] < 1
    ):
        raise BoundaryError("the cumulative alpha must not decrease and must stay below 1")
    final = information[-1]
    state = _start()
    looks, spent_before = [], 0.0
    for number, (info, spent) in enumerate(zip(information, cumulative_alpha, strict=True), 1):
        increment = spent - spent_before

        def excess(
            bound: float, state: _Continuation = state, info: float = info, spend: float = increment
        ) -> float:
            crossed = _stop_above(state, info, bound)
            if sided == 2:
                crossed += _stop_below(state, info, -bound)
            return crossed - spend

        if increment <= 0 or excess(Z_SEARCH_LIMIT) > 0:
            bound = math.inf
        else:
            low = 0.0
            while excess(low) < 0:  # little mass left: the boundary lies below zero
                low -= 4.0
                if low < -Z_SEARCH_LIMIT:
                    raise BoundaryError("this alpha cannot be spent at this look")
            bound = brentq(excess, low, Z_SEARCH_LIMIT, xtol=Z_TOLERANCE, rtol=1e-15, maxiter=500)
        looks.append(
            Look(
                number=number,
                information_fraction=info / final,
                critical_value=float(bound),
                nominal_p=float(norm.sf(bound)),
                cumulative_alpha=float(spent),
                alpha_increment=float(max(increment, 0.0)),
            )
        )
        spent_before = max(spent_before, spent)
        if number < len(information):
            state = _continue(state, info, -bound if sided == 2 else -math.inf, bound)
    return looks


def spending_boundaries(
    fractions: Sequence[float],
    *,
    spending: Spending | str,
    alpha: float,
    sided: int = 1,
    last_is_final: bool = False,
) -> list[Look]:
    """Return the boundaries for the looks actually taken at these information fractions.

    t_k = observed deaths / planned deaths at the final analysis, as taken (unequal, not as
    planned). Each look may spend alpha(t_k). A look at t ≥ 1 (the planned deaths reached or
    passed) spends all the alpha left and must be the last; `last_is_final` says that the last
    look is the final analysis even short of the planned deaths, so it spends all that is
    left too. The correlations use the actual fractions, beyond 1 as well (rpact: asUser with
    the information rates rescaled to the last look).
    """
    fractions = [float(t) for t in fractions]
    _check_looks(fractions, sided)
    if any(t >= 1 for t in fractions[:-1]):
        raise BoundaryError(
            "a look at or beyond the planned number of deaths is the final analysis: "
            "no look can follow it"
        )
    cumulative = [alpha_spent(spending, t, alpha, sided) for t in fractions]
    if last_is_final or fractions[-1] >= 1:
        cumulative[-1] = alpha
    looks = boundaries_for_alpha(fractions, cumulative, sided=sided)
    # Report the fractions of the plan, not those rescaled to the last look.
    return [
        Look(
            number=look.number,
            information_fraction=t,
            critical_value=look.critical_value,
            nominal_p=look.nominal_p,
            cumulative_alpha=look.cumulative_alpha,
            alpha_increment=look.alpha_increment,
        )
        for look, t in zip(looks, fractions, strict=True)
    ]
