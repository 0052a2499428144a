"""Comparing the arms: log-rank tests and Cox proportional hazards, as R computes them.

Everything is computed in bulk over the data sorted once: the log-rank's counts per
(stratum, day) by cumulative sums, the Cox fit, its score test and R's cox.zph check by
the vectorised risk-set sums of statistics/cox_efron.py. lifelines, slower by a per-row
loop, stays as an independent cross-check in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from endpoints.statistics.cox_efron import TIES, fit_risk_sets, risk_sets
from endpoints.statistics.ordering import by_time, numeric
from endpoints.statistics.proportional_hazards import zph_test

# The worker passes numpy arrays (endpoints/cohort.py), the tests and commands often lists.
Numbers = Sequence[float] | Sequence[int] | np.ndarray
Labels = Sequence[str] | np.ndarray  # or the worker's pandas Categorical of arms


@dataclass(frozen=True)
class LogRank:
    chisq: float
    df: int
    p: float
    observed: dict[str, float]
    expected: dict[str, float]
    strata: tuple[str, ...] = ()


def _factorize(labels: Labels, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each row's label as a small integer, and the labels: hashing, not sorting strings.

    A list (what the worker passes) becomes an object array, which pandas hashes fastest.
    """
    array = labels if isinstance(labels, np.ndarray) else np.array(labels, dtype=object)
    codes, levels = pd.factorize(array, sort=sort)
    return codes.astype(np.int64, copy=False), np.asarray(levels)


def _treated(groups: Labels, treatment: str) -> np.ndarray:
    """Whether each row is in the treatment group: one comparison per row, no codes."""
    if isinstance(groups, pd.Categorical):  # the worker's arms: compared on their codes
        return np.asarray(groups == treatment, dtype=bool)
    array = groups if isinstance(groups, np.ndarray) else np.array(groups, dtype=object)
    same = np.asarray(array == treatment, dtype=bool)
    return same if same.ndim else np.full(len(array), bool(same))


def _strata_codes(strata: Labels | None, n: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's stratum as a small integer, and the strata's names sorted (R's order)."""
    if strata is None:
        return np.zeros(n, dtype=np.int8), ()
    if isinstance(strata, np.ndarray) and strata.dtype.kind in "iu" and len(strata):
        # Small non-negative codes (the worker's): sorted by counting, as factorize sorts.
        top = int(strata.max()) + 1
        if strata.min() >= 0 and top <= 1 << 16:
            present = np.flatnonzero(np.bincount(strata, minlength=top))
            index = np.zeros(top, dtype=np.int16)
            index[present] = np.arange(len(present))
            return index[strata], tuple(str(level) for level in present)
    codes, levels = _factorize(strata, sort=True)
    if len(levels) <= np.iinfo(np.int16).max:  # a few strata: 2 bytes a patient, not 8
        codes = codes.astype(np.int16)
    return codes, tuple(str(level) for level in levels)


def _observed_expected(
    durations: np.ndarray, events: np.ndarray, treated: np.ndarray, codes: np.ndarray
) -> tuple[float, float, float, float]:
    # `events` and `treated` are masks: summed as 64-bit counts, never copied as such.
    """(O - E, variance, O, E) of the treated group summed over the strata: R's survdiff.

    One sort by stratum then time; each (stratum, time) is a block whose counts come from
    np.add.reduceat, and the numbers at risk (time ≥ t within the stratum) from reverse
    cumulative sums less the rows of the strata sorted after it. Hypergeometric variance.
    """
    n = len(durations)
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0
    # One stratum: the sort by time alone (a stable sort by a constant changes nothing).
    order = by_time(durations, strata=codes if codes.any() else None)
    t, c = durations[order], codes[order]
    dead, dead_treated = events[order], (events & treated)[order]
    treated_sorted = treated[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (t[1:] != t[:-1]) | (c[1:] != c[:-1])
    del t
    starts = np.flatnonzero(new)
    rows = np.diff(np.append(starts, n))
    d = np.add.reduceat(dead, starts, dtype=np.int64)
    d1 = np.add.reduceat(dead_treated, starts, dtype=np.int64)
    r1 = np.add.reduceat(treated_sorted, starts, dtype=np.int64)
    stratum = c[starts]
    # Rows (treated rows) in the strata sorted after each block's stratum, counted over the
    # blocks: counting the patients' codes took a 64-bit copy of them (and of the arm).
    after = n - np.cumsum(np.bincount(stratum, weights=rows))
    after1 = int(treated.sum()) - np.cumsum(np.bincount(stratum, weights=r1))
    at_risk = (np.cumsum(rows[::-1])[::-1] - after[stratum]).astype(float)
    at_risk1 = np.cumsum(r1[::-1])[::-1] - after1[stratum]
    deaths = d > 0
    d, d1, at_risk, at_risk1 = d[deaths], d1[deaths], at_risk[deaths], at_risk1[deaths]
    share = at_risk1 / at_risk
    expected = d * share
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(
            at_risk > 1, d * share * (1 - share) * (at_risk - d) / (at_risk - 1), 0.0
        )
    observed = float(d1.sum())
    expected_total = float(expected.sum())
    return observed - expected_total, float(variance.sum()), observed, expected_total


def logrank(
    durations: Numbers,
    events: Numbers,
    groups: Labels,
    *,
    treatment: str,
    reference: str,
    strata: Labels | None = None,
) -> LogRank:
    """Log-rank test of treatment vs reference, optionally stratified.

    Stratified (R: survdiff(... + strata(s))): the sum over strata of the observed minus
    expected counts and of their variances; a stratum with no events contributes nothing.
    """
    times = numeric(durations)
    event_flags = np.asarray(events) == 1
    treated = _treated(groups, treatment)
    codes, levels = _strata_codes(strata, len(times))
    o_minus_e, variance, o_t, e_t = _observed_expected(times, event_flags, treated, codes)
    deaths = float(event_flags.sum())
    chisq = o_minus_e**2 / variance if variance > 0 else 0.0
    return LogRank(
        chisq=float(chisq),
        df=1,
        p=float(chi2.sf(chisq, 1)),
        observed={treatment: o_t, reference: deaths - o_t},
        expected={treatment: e_t, reference: deaths - e_t},
        strata=levels,
    )


@dataclass(frozen=True)
class CoxModel:
    coef: float  # log hazard ratio, treatment vs reference
    se: float
    hr: float
    hr_lower: float
    hr_upper: float
    wald_z: float
    wald_p: float
    loglik_null: float
    loglik: float
    lr_chisq: float
    lr_p: float
    score_chisq: float
    score_p: float
    ties: str
    n: int
    nevent: int
    ph_test_p: float | None  # R's cox.zph (transform "km"); None where R's stops singular


def cox(
    durations: Numbers,
    events: Numbers,
    groups: Labels,
    *,
    treatment: str,
    reference: str,
    strata: Labels | None = None,
    ties: str = "efron",
    alpha: float = 0.05,
) -> CoxModel:
    """Cox model of the hazard ratio treatment vs reference, optionally stratified.

    R's coxph(Surv(t, e) ~ arm [+ strata(s)], ties=) with Wald, likelihood-ratio and score
    tests, and cox.zph(fit) as the proportional-hazards check, from one sort of the data:
    the vectorised Newton-Raphson of statistics/cox_efron.py, converged beyond R's own
    stopping rule (coefficients equal to R's converged ones to 1e-8).
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    times = numeric(durations)
    event_flags = np.asarray(events) == 1
    treated = _treated(groups, treatment)
    if len(treated) == 0 or treated.min() == treated.max():
        raise np.linalg.LinAlgError("the arm does not vary: no hazard ratio")
    codes = _strata_codes(strata, len(times))[0] if strata is not None else None
    risk = risk_sets(times, event_flags, treated[:, None], ties=ties, strata=codes)
    fit = fit_risk_sets(risk, (0,), len(times), int(event_flags.sum()))
    coef = float(fit.coef[0])
    se = float(np.sqrt(fit.variance[0, 0]))
    z = float(norm.ppf(1 - alpha / 2))
    lr_chisq = 2 * (fit.loglik - fit.loglik_null)
    ph = zph_test(risk, fit.coef, times, event_flags)
    with np.errstate(over="ignore"):  # a separation's limits: infinite, reported as such
        hr, hr_lower, hr_upper = np.exp([coef, coef - z * se, coef + z * se])
    return CoxModel(
        coef=coef,
        se=se,
        hr=float(hr),
        hr_lower=float(hr_lower),
        hr_upper=float(hr_upper),
        wald_z=coef / se,
        wald_p=float(2 * norm.sf(abs(coef / se))),
        loglik_null=float(fit.loglik_null),
        loglik=float(fit.loglik),
        lr_chisq=float(lr_chisq),
        lr_p=float(chi2.sf(lr_chisq, 1)),
        score_chisq=fit.score_chisq,
        score_p=float(chi2.sf(fit.score_chisq, 1)),
        ties=ties,
        n=len(times),
        nevent=int(event_flags.sum()),
        ph_test_p=ph.p if ph is not None else None,
    )
