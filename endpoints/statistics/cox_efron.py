"""A Cox model with Efron or Breslow ties in vectorised numpy, optionally stratified.

R's coxph (survival::coxfit6) solved by Newton-Raphson with step halving. The patients are
first collapsed into one row per (stratum, time, died or not, covariate values) with its
count: rows alike add the same terms to every risk-set sum, so a sum over the patients is a
count-weighted sum over these rows. Times in whole days and an arm with a factor's levels
leave a few thousand rows out of a million patients, and each Newton step costs nothing
beside the one sort that builds them; memory is a few columns of the patients, never rows ×
covariates × covariates. Risk-set sums are reverse cumulative sums over the rows sorted by
time, tie groups are handled in bulk. Columns that are linear combinations of earlier ones
(an interaction cell holding one arm only) are dropped, as coxph reports them NA, and the
degrees of freedom count the columns kept.

Used for the trial's hazard ratio (statistics/comparison.py), the many small fits of the
subgroups, and R's `ties = "breslow"`. Strata (R's `+ strata(s)`) each keep their own risk
sets; their log-likelihoods, scores and informations add up. The same sums weighted by a
function of time give R's cox.zph test (statistics/proportional_hazards.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from endpoints.cohort_memory import releasing_freed_memory
from endpoints.statistics.ordering import by_time, numeric

MAX_ITERATIONS = 30
# R's stopping rule is a relative change of the log-likelihood ≤ 1e-9; a tighter one costs
# an iteration or two and leaves the coefficients equal to R's to well below 1e-6.
TOLERANCE = 1e-12
MAX_ESTIMABLE_LOG_HR = 15.0  # |coefficient| beyond this is a separation, not an estimate
TIES = ("efron", "breslow")
# Rows of (time, died, covariates) counted in one array when there are at most this many
# possible ones per patient; beyond (times or covariates that rarely repeat), by a sort.
DENSE_KEYS_PER_PATIENT = 4
DEATHS_PER_BLOCK = 1 << 16  # Efron's per-death terms computed this many deaths at a time

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


# Designs of small integers (an arm, a factor's dummies, their products) with at most this
# many possible rows are numbered by counting, not hashing.
SMALL_DESIGN_ROWS = 1 << 16
FIRST_SEEN_BLOCK = 1 << 16  # rows looked through at a time for patterns not seen yet


def _patterns(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's covariate pattern as a code (numbered in order of first appearance), and
    the patterns (one row of `x` each): hashing column by column, no copy of `x`."""
    n, p = x.shape
    key = _small_design_key(x)
    if key is not None:
        return _first_seen_codes(x, key)
    codes = np.zeros(n, dtype=np.int64)
    for j in range(p):
        column, values = pd.factorize(x[:, j], use_na_sentinel=False)
        if j:  # the pairs (patterns so far, this column's value), numbered again
            column += codes * len(values)
            column, _ = pd.factorize(column)
        codes = column
    if not n:
        return codes, x[:0]
    if len(codes) < 1 << 31:
        codes = codes.astype(np.int32)  # 4 bytes a patient
    # A code's first row is where the codes reach a new maximum.
    seen = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate([[True], codes[1:] > seen[:-1]]))
    return codes, np.array(x[first], dtype=float)


def _small_design_key(x: np.ndarray) -> np.ndarray | None:
    """Each row's values as one number (mixed radix over each column's range), when the
    columns are integers whose ranges multiply to at most SMALL_DESIGN_ROWS; else None.

    Why: hashing a million rows (pandas.factorize, sized for a million distinct values)
    held ~45 MB for a design of 5 MB, the worker's highest memory at a million patients.
    """
    n, p = x.shape
    if not n or x.dtype.kind not in "biu":
        return None
    # Column by column: a minimum over axis 0 of a million short rows is slow (20 ms).
    bounds, low, ranges = np.iinfo(np.int32), [], []
    for j in range(p):
        column = np.ascontiguousarray(x[:, j])
        smallest, largest = int(column.min()), int(column.max())
        if smallest < bounds.min or largest > bounds.max:
            return None
        low.append(smallest)
        ranges.append(largest - smallest + 1)
    if math.prod(ranges) > SMALL_DESIGN_ROWS:
        return None
    key = np.zeros(n, dtype=np.int32)
    for j in range(p):
        key *= ranges[j]
        column = x[:, j].astype(np.int32)  # 4 bytes a row, its values within int32
        column -= np.int32(low[j])
        key += column
    return key


def _first_seen_codes(x: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_patterns` of a small design by its keys: the same codes and patterns, found by
    looking through the rows a block at a time until every pattern present has been seen
    (most often within the first block)."""
    n = len(key)
    present = np.flatnonzero(np.bincount(key))
    first = np.full(int(present[-1]) + 1, n, dtype=np.int64)
    unseen = len(present)
    for start in range(0, n, FIRST_SEEN_BLOCK):
        values, at = np.unique(key[start : start + FIRST_SEEN_BLOCK], return_index=True)
        new = first[values] == n
        first[values[new]] = at[new] + start
        unseen -= int(new.sum())
        if not unseen:
            break
    firsts = np.sort(first[present])  # the patterns' first rows, in order of appearance
    number = np.zeros(len(first), dtype=np.int32)
    number[key[firsts]] = np.arange(len(firsts), dtype=np.int32)
    return number[key], np.array(x[firsts], dtype=float)


def _independent_columns(patterns: np.ndarray, counts: np.ndarray) -> tuple[int, ...]:
    """Columns kept left to right, each one not in the span of those before it (and of the
    constant), judged on the distinct rows weighted by their counts: the same singular
    values as the patients' centred columns, without a million-row SVD."""
    if patterns.shape[1] == 1:
        return (0,) if np.ptp(patterns[:, 0]) > 1e-9 * max(1.0, np.abs(patterns).max()) else ()
    mean = counts @ patterns / counts.sum()
    root = np.sqrt(counts)[:, None]
    kept: list[int] = []
    for j in range(patterns.shape[1]):
        columns = [*kept, j]
        centred = patterns[:, columns] - mean[columns]
        tolerance = 1e-9 * max(1.0, np.abs(centred).max())
        if np.linalg.matrix_rank(centred * root, tol=tolerance) == len(kept) + 1:
            kept.append(j)
    return tuple(kept)


@dataclass(frozen=True)
class _Rows:
    """The patients collapsed: one row per (stratum, time, died, pattern), sorted by stratum
    then time descending, with how many patients it stands for."""

    stratum: np.ndarray
    time: np.ndarray
    died: np.ndarray
    count: np.ndarray
    pattern: np.ndarray


def _collapsed(
    durations: np.ndarray, events: np.ndarray, codes: np.ndarray, strata: np.ndarray | None
) -> _Rows:
    n = len(durations)
    order = by_time(durations, descending=True, strata=strata)
    t = durations[order]
    new = np.ones(n, dtype=bool)
    new[1:] = t[1:] != t[:-1]
    block_stratum = np.zeros(0, dtype=np.int64)
    if strata is not None:
        s = strata[order]
        new[1:] |= s[1:] != s[:-1]
        block_stratum = s[new]
        del s
    block_time = t[new]
    del t
    width = int(codes.max(initial=-1)) + 1  # patterns
    # Each patient's key, built in place: (stratum and time) block, died, pattern; 32 bits
    # when every key fits.
    wide = len(block_time) * 2 * width > np.iinfo(np.int32).max
    key: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = np.cumsum(
        new, dtype=np.int64 if wide else np.int32
    )
    del new
    key -= 1
    key *= 2 * width
    np.add(key, width, out=key, where=events[order] != 0)
    key += codes[order]
    del order
    size = len(block_time) * 2 * width
    if size <= DENSE_KEYS_PER_PATIENT * max(n, 1 << 14):
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        counts = counts[present]
    else:
        found = np.unique(key, return_counts=True)
        present, counts = found[0], found[1]
    block_of = present // (2 * width)
    return _Rows(
        stratum=block_stratum[block_of] if strata is not None else np.zeros(len(present)),
        time=block_time[block_of],
        died=(present // width) % 2 == 1,
        count=counts.astype(float),
        pattern=present % width,
    )


class _RiskSets:
    """One stratum's collapsed rows, with its death times and their tie groups."""

    def __init__(
        self,
        time: np.ndarray,
        died: np.ndarray,
        count: np.ndarray,
        x: np.ndarray,
        ties: str = "efron",
    ) -> None:
        self.x, self.count = x, count  # time descending: risk sets accumulate
        self.dead = np.flatnonzero(died)
        dead_time = time[self.dead]
        first = np.ones(len(dead_time), dtype=bool)
        first[1:] = dead_time[1:] != dead_time[:-1]
        self.event_times = dead_time[first]  # descending, one per tie group
        self.starts = np.flatnonzero(first)  # each group's first death row
        self.n_groups = len(self.event_times)
        # Risk set at time s: the rows with time ≥ s, i.e. rows 0..last.
        self.last = np.searchsorted(-time, -self.event_times, side="right") - 1
        dead_count = count[self.dead]
        self.ties = self.by_group(dead_count)  # deaths per time
        self.x_dead = self.by_group(dead_count[:, None] * x[self.dead])
        self.dead_count = dead_count
        self.breslow = ties == "breslow"
        # Efron's terms are per death, taken DEATHS_PER_BLOCK deaths at a time whatever the
        # tie groups (a million patients: 870,000 deaths; EFS counts every induction failure
        # on day 0, one group of hundreds of thousands). A time's deaths are numbered
        # first_death .. deaths_until - 1.
        deaths = self.ties.astype(np.int64)
        self.deaths_until = np.cumsum(deaths)
        self.first_death = self.deaths_until - deaths

    def by_group(self, values: np.ndarray) -> np.ndarray:
        """Sums over each death time's rows (the death rows are in group order)."""
        if not self.n_groups:
            return np.zeros((0, *values.shape[1:]))
        return np.add.reduceat(values, self.starts, axis=0)

    def loglik_score_information(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        loglik, ((score, information),) = self.moments(beta, [None])
        return loglik, score, information

    # A trial step far out along a separation can leave a risk set's weights underflowing
    # to 0: its log-likelihood is then not finite, and fit_risk_sets halves the step.
    @np.errstate(divide="ignore", invalid="ignore")
    def moments(
        self, beta: np.ndarray, weights: Sequence[np.ndarray | None]
    ) -> tuple[float, list[Moments]]:
        """The log-likelihood, and the score and information with each death time's terms
        weighted by `weights` (one value per tie group; None: 1)."""
        x, p = self.x, self.x.shape[1]
        eta = x @ beta
        shift = eta.max()
        w = np.exp(eta - shift) * self.count  # scaled for overflow; the scale cancels below
        wx = w[:, None] * x
        last = self.last
        s0 = np.cumsum(w)[last]
        s1 = np.cumsum(wx, axis=0)[last]
        s2 = np.empty((self.n_groups, p, p))
        for i in range(p):
            for j in range(i, p):
                s2[:, i, j] = s2[:, j, i] = np.cumsum(wx[:, i] * x[:, j])[last]
        ev_w, ev_x = w[self.dead], x[self.dead]
        n, by_group = self.n_groups, self.by_group
        # Tied deaths' sums per death time.
        d0 = by_group(ev_w)
        d1 = by_group(ev_w[:, None] * ev_x).reshape(n, p)
        d2 = np.empty((n, p, p))
        for i in range(p):
            for j in range(i, p):
                d2[:, i, j] = d2[:, j, i] = by_group(ev_w * ev_x[:, i] * ev_x[:, j])
        log_a0, (c1, c2, c3, c4, c5) = self._tied_sums(s0, d0)
        loglik = float(self.dead_count @ eta[self.dead] - log_a0 - shift * self.ties.sum())
        results = []
        for weight in weights:
            k = np.ones(n) if weight is None else weight
            k1, k2, k3, k4, k5 = k * c1, k * c2, k * c3, k * c4, k * c5
            score = k @ self.x_dead - (s1 * k1[:, None] - d1 * k2[:, None]).sum(axis=0)
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

    def _tied_sums(self, s0: np.ndarray, d0: np.ndarray) -> tuple[float, np.ndarray]:
        """Σ log a0 over the deaths, and per death time the sums over its tied deaths of 1/a0,
        f/a0, 1/a0², f/a0², f²/a0² (the rows of the second array). These carry every term of
        the score and information, so the p × p arrays are built per death time, not per
        death.

        Efron: the k-th of d tied deaths (k = 0..d-1) sees the risk set less k/d of the tied
        deaths' weight, a0 = s0 - f d0 with f = k/d. Breslow: every tied death sees the whole
        risk set (f = 0): the sums are d/s0 and d/s0², and those in f vanish.
        """
        sums = np.zeros((5, self.n_groups))
        if self.breslow:
            sums[0] = self.ties / s0
            sums[2] = sums[0] / s0
            return float(self.ties @ np.log(s0)), sums
        log_a0, until, first = 0.0, self.deaths_until, self.first_death
        total = int(until[-1]) if len(until) else 0
        for low in range(0, total, DEATHS_PER_BLOCK):
            high = min(low + DEATHS_PER_BLOCK, total)
            # The death times with deaths in low..high-1, and where each starts in the block.
            start = int(np.searchsorted(until, low, side="right"))
            stop = int(np.searchsorted(until, high - 1, side="right")) + 1
            firsts = np.maximum(first[start:stop], low) - low
            group = np.repeat(np.arange(stop - start), np.diff(np.append(firsts, high - low)))
            f = (np.arange(low, high) - first[start:stop][group]) / self.ties[start:stop][group]
            a0 = s0[start:stop][group] - f * d0[start:stop][group]
            del group
            log_a0 += float(np.log(a0).sum())
            inverse = 1 / a0
            square = inverse * inverse
            for row, terms in enumerate((inverse, f * inverse, square, f * square, f * f * square)):
                sums[row, start:stop] += np.add.reduceat(terms, firsts)
        return log_a0, sums


class _StrataRiskSets:
    """One set of risk sets per stratum: a patient is compared only within its stratum."""

    def __init__(self, strata: list[_RiskSets]) -> None:
        self.strata = strata
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


def _stratum_codes(strata: np.ndarray) -> np.ndarray:
    """Each row's stratum as a small integer. Small non-negative codes (the worker's) are
    kept as they are: hashing a million of them held 28 MB at the worker's highest memory.
    Other labels are numbered by hashing."""
    small = np.iinfo(np.int16).max
    if strata.dtype.kind in "iu" and len(strata) and strata.min() >= 0 and strata.max() <= small:
        return strata.astype(np.int16, copy=False)
    codes, levels = pd.factorize(strata)
    return codes.astype(np.int16) if len(levels) <= small else codes  # 2 bytes a patient


def _risk_sets_of(
    durations: np.ndarray,
    events: np.ndarray,
    codes: np.ndarray,
    patterns: np.ndarray,
    ties: str,
    strata: np.ndarray | None,
) -> RiskSets:
    strata_codes = None if strata is None else _stratum_codes(np.asarray(strata))
    rows = _collapsed(durations, events, codes, strata_codes)
    x = patterns[rows.pattern]
    if strata is None:
        return _RiskSets(rows.time, rows.died, rows.count, x, ties)
    bounds = np.flatnonzero(np.diff(rows.stratum)) + 1
    return _StrataRiskSets(
        [
            _RiskSets(rows.time[part], rows.died[part], rows.count[part], x[part], ties)
            for part in np.split(np.arange(len(rows.time)), bounds)
            if len(part)
        ]
    )


@releasing_freed_memory  # what collapsing a million patients freed, before the fit
def risk_sets(
    durations: np.ndarray,
    events: np.ndarray,
    x: np.ndarray,
    *,
    ties: str = "efron",
    strata: np.ndarray | None = None,
) -> RiskSets:
    """The collapsed, sorted data a fit (and R's cox.zph test after it) works on."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    codes, patterns = _patterns(x)
    return _risk_sets_of(durations, events, codes, patterns, ties, strata)


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
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    durations, events = numeric(durations), np.asarray(events)
    if events.dtype.kind not in "iub":
        events = events.astype(int)
    # Whole days and 0/1 columns as they come: only their patterns become floats.
    x = np.asarray(x)
    x = (x if x.dtype.kind in "iufb" else x.astype(float)).reshape(len(durations), -1)
    codes, patterns = _patterns(x)
    counts = np.bincount(codes, minlength=len(patterns)).astype(float)
    kept = _independent_columns(patterns, counts) if x.shape[1] else ()
    risk = _risk_sets_of(durations, events, codes, patterns[:, list(kept)], ties, strata)
    return fit_risk_sets(risk, kept, len(x), int(events.sum()))
