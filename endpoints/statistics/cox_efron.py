"""A Cox model with Efron or Breslow ties in vectorised numpy, optionally stratified.

R's coxph (survival::coxfit6) solved by Newton-Raphson with step halving: risk-set sums are
reverse cumulative sums over the times sorted once, tie groups are handled in bulk, so a fit
costs a few array passes instead of a per-row loop. Columns that are linear combinations of
earlier ones (an interaction cell holding one arm only) are dropped, as coxph reports them
NA, and the degrees of freedom count the columns kept.

Used for the trial's hazard ratio (statistics/comparison.py), the many small fits of the
subgroups, and R's `ties = "breslow"`. Strata (R's `+ strata(s)`) each keep their own risk
sets; their log-likelihoods, scores and informations add up. The same sums weighted by a
function of time give R's cox.zph test (statistics/proportional_hazards.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from endpoints.statistics.ordering import by_time

MAX_ITERATIONS = 30
# R's stopping rule is a relative change of the log-likelihood ≤ 1e-9; a tighter one costs
# an iteration or two and leaves the coefficients equal to R's to well below 1e-6.
TOLERANCE = 1e-12
MAX_ESTIMABLE_LOG_HR = 15.0  # |coefficient| beyond this is a separation, not an estimate
TIES = ("efron", "breslow")

# Score and information of one weighting of the death times.
Moments = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class EfronFit:
    coef: np.ndarray  # over the kept columns
    variance: np.ndarray
    kept: tuple[int, ...]  # indexes of the design's columns that were estimable
    loglik: float
    loglik_null: float
    iterations: int
    n: int
    nevent: int
    score_chisq: float = 0.0  # R's score test: U(0)' I(0)⁻¹ U(0), 0 without information

    @property
    def df(self) -> int:
        return len(self.kept)

    @property
    def separated(self) -> bool:
        """A coefficient ran off to infinity (no event, or all events, on one side)."""
        return bool(len(self.coef) and np.max(np.abs(self.coef)) > MAX_ESTIMABLE_LOG_HR)


def _independent_columns(x: np.ndarray) -> tuple[int, ...]:
    """Columns kept left to right, each one not in the span of those before it."""
    if x.shape[1] == 1:  # one column: kept unless constant (no SVD of a million rows)
        return (0,) if np.ptp(x[:, 0]) > 1e-9 * max(1.0, np.abs(x).max()) else ()
    kept: list[int] = []
    for j in range(x.shape[1]):
        trial = x[:, [*kept, j]]
        centred = trial - trial.mean(axis=0)
        if (
            np.linalg.matrix_rank(centred, tol=1e-9 * max(1.0, np.abs(centred).max()))
            == len(kept) + 1
        ):
            kept.append(j)
    return tuple(kept)


class _RiskSets:
    """The data sorted by time once, with the event times and their tie groups."""

    def __init__(
        self, durations: np.ndarray, events: np.ndarray, x: np.ndarray, ties: str = "efron"
    ) -> None:
        self.breslow = ties == "breslow"
        order = by_time(durations, descending=True)  # longest first: risk sets accumulate
        self.t = durations[order]
        self.e = events[order].astype(bool)
        self.x = x[order]
        dead = self.t[self.e]  # descending
        first = np.concatenate([[True], dead[1:] != dead[:-1]]) if len(dead) else dead > 0
        self.event_times = dead[first]  # descending, one per tie group
        # Risk set at time s: the rows with t ≥ s, i.e. the first `size` rows.
        self.size = np.searchsorted(-self.t, -self.event_times, side="right")
        # Each event row's tie group (already in group order, as the rows are sorted), and
        # its rank k = 0..d-1 within the group.
        self.group = np.cumsum(first) - 1
        self.ties = np.bincount(self.group, minlength=len(self.event_times)).astype(float)
        self.starts = np.flatnonzero(first)
        self.rank = np.arange(len(self.group)) - self.starts[self.group]
        self.n_groups = len(self.event_times)

    def loglik_score_information(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        loglik, ((score, information),) = self.moments(beta, [None])
        return loglik, score, information

    def moments(
        self, beta: np.ndarray, weights: Sequence[np.ndarray | None]
    ) -> tuple[float, list[Moments]]:
        """The log-likelihood, and the score and information with each death time's terms
        weighted by `weights` (one value per tie group; None: 1)."""
        x, p = self.x, self.x.shape[1]
        eta = x @ beta
        shift = eta.max()
        w = np.exp(eta - shift)  # scaled for overflow; the scale cancels below
        wx = w[:, None] * x
        last = self.size - 1
        s0 = np.cumsum(w)[last]
        s1 = np.cumsum(wx, axis=0)[last]
        # One column pair at a time: memory stays one column long, not rows × p × p.
        s2 = np.empty((self.n_groups, p, p))
        for i in range(p):
            for j in range(i, p):
                s2[:, i, j] = s2[:, j, i] = np.cumsum(wx[:, i] * x[:, j])[last]
        ev_w, ev_x = w[self.e], x[self.e]
        n, group = self.n_groups, self.group

        def by_group(values: np.ndarray) -> np.ndarray:  # the event rows are in group order
            return np.add.reduceat(values, self.starts)

        # Tied deaths' sums per death time.
        d0 = by_group(ev_w)
        d1 = np.column_stack([by_group(ev_w * ev_x[:, i]) for i in range(p)]).reshape(n, p)
        d2 = np.empty((n, p, p))
        for i in range(p):
            for j in range(i, p):
                d2[:, i, j] = d2[:, j, i] = by_group(ev_w * ev_x[:, i] * ev_x[:, j])
        # Efron: the k-th of d tied deaths sees the risk set less k/d of the tied deaths'
        # weight, a0_k = s0 - f_k d0 (f_k = k/d). The sums over k of 1/a0_k, f_k/a0_k,
        # 1/a0_k², f_k/a0_k², f_k²/a0_k² per death time carry every term below, so the
        # p × p arrays are built per death time, not per death. Breslow: every tied death
        # sees the whole risk set (f_k = 0), and the terms in f vanish.
        f = np.zeros(len(group)) if self.breslow else self.rank / self.ties[group]
        a0 = s0[group] - f * d0[group]
        inverse = 1 / a0
        c1, c2 = by_group(inverse), by_group(f * inverse)
        square = inverse * inverse
        c3, c4, c5 = by_group(square), by_group(f * square), by_group(f * f * square)
        loglik = float(eta[self.e].sum() - (np.log(a0) + shift).sum())
        x_dead = np.column_stack([by_group(ev_x[:, i]) for i in range(p)]).reshape(n, p)
        results = []
        for weight in weights:
            k = np.ones(n) if weight is None else weight
            k1, k2, k3, k4, k5 = k * c1, k * c2, k * c3, k * c4, k * c5
            score = k @ x_dead - (s1 * k1[:, None] - d1 * k2[:, None]).sum(axis=0)
            s1s1 = np.einsum("g,gi,gj->ij", k3, s1, s1)
            s1d1 = np.einsum("g,gi,gj->ij", k4, s1, d1)
            d1d1 = np.einsum("g,gi,gj->ij", k5, d1, d1)
            information = (
                np.einsum("g,gij->ij", k1, s2)
                - np.einsum("g,gij->ij", k2, d2)
                - (s1s1 - s1d1 - s1d1.T + d1d1)
            )
            results.append((score, information))
        return loglik, results


class _StrataRiskSets:
    """One set of risk sets per stratum: a patient is compared only within its stratum."""

    def __init__(
        self,
        durations: np.ndarray,
        events: np.ndarray,
        x: np.ndarray,
        strata: np.ndarray,
        ties: str,
    ) -> None:
        codes, _ = pd.factorize(np.asarray(strata))  # hashing, not sorting strings
        self.strata = [
            _RiskSets(durations[inside], events[inside], x[inside], ties)
            for inside in (codes == code for code in range(codes.max(initial=-1) + 1))
        ]
        self.n_groups = sum(s.n_groups for s in self.strata)

    def loglik_score_information(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        loglik, score, information = 0.0, np.zeros(len(beta)), np.zeros((len(beta),) * 2)
        for stratum in self.strata:
            if stratum.n_groups == 0:  # no death in this stratum: it adds nothing
                continue
            part = stratum.loglik_score_information(beta)
            loglik, score, information = loglik + part[0], score + part[1], information + part[2]
        return loglik, score, information


RiskSets = _RiskSets | _StrataRiskSets


def risk_sets(
    durations: np.ndarray,
    events: np.ndarray,
    x: np.ndarray,
    *,
    ties: str = "efron",
    strata: np.ndarray | None = None,
) -> RiskSets:
    """The sorted data a fit (and R's cox.zph test after it) works on."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    if strata is None:
        return _RiskSets(durations, events, x, ties)
    return _StrataRiskSets(durations, events, x, strata, ties)


def _score_chisq(score: np.ndarray, information: np.ndarray) -> float:
    if not len(score) or not np.any(information):
        return 0.0
    try:
        return float(score @ np.linalg.solve(information, score))
    except np.linalg.LinAlgError:
        return float(score @ np.linalg.lstsq(information, score, rcond=None)[0])


def fit_risk_sets(risk: RiskSets, kept: tuple[int, ...], n: int, nevent: int) -> EfronFit:
    """Newton-Raphson with R's step halving, from β = 0, on prepared risk sets."""
    beta = np.zeros(len(kept))
    if risk.n_groups == 0:
        return EfronFit(beta, np.full((len(kept),) * 2, np.nan), kept, 0.0, 0.0, 0, n, 0)
    loglik, score, information = risk.loglik_score_information(beta)
    loglik_null, iterations = loglik, 0
    score_chisq = _score_chisq(score, information)
    while len(kept) and iterations < MAX_ITERATIONS:
        iterations += 1
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(information, score, rcond=None)[0]
        candidate = beta + step
        new_loglik, new_score, new_information = risk.loglik_score_information(candidate)
        # A drop within rounding (|loglik| ~ 1e7 at a million patients) is no drop: R too
        # tests convergence before halving.
        slack, halvings = TOLERANCE * max(1.0, abs(loglik)), 0
        while (not np.isfinite(new_loglik) or new_loglik < loglik - slack) and halvings < 30:
            candidate = (beta + candidate) / 2  # R: step halving when the likelihood drops
            new_loglik, new_score, new_information = risk.loglik_score_information(candidate)
            halvings += 1
        converged = abs(new_loglik - loglik) <= TOLERANCE * max(1.0, abs(new_loglik))
        beta, loglik, score, information = candidate, new_loglik, new_score, new_information
        if converged:
            break
    try:
        variance = np.linalg.inv(information) if len(kept) else np.zeros((0, 0))
    except np.linalg.LinAlgError:
        variance = np.full((len(kept),) * 2, np.nan)
    return EfronFit(beta, variance, kept, loglik, loglik_null, iterations, n, nevent, score_chisq)


def cox_efron(
    durations: np.ndarray,
    events: np.ndarray,
    x: np.ndarray,
    *,
    ties: str = "efron",
    strata: np.ndarray | None = None,
) -> EfronFit:
    """Fit the Cox model of the design `x` (rows × columns, no intercept).

    `ties` is "efron" (R's default) or "breslow"; `strata` labels each row's stratum.
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=int)
    x = np.asarray(x, dtype=float).reshape(len(durations), -1)
    kept = _independent_columns(x) if x.shape[1] else ()
    risk = risk_sets(durations, events, x[:, list(kept)], ties=ties, strata=strata)
    return fit_risk_sets(risk, kept, len(x), int(events.sum()))
