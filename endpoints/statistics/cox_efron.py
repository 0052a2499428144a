"""A Cox model with Efron or Breslow ties in vectorised numpy, optionally stratified.

R's coxph (survival::coxfit6) solved by Newton-Raphson with step halving: risk-set sums are
reverse cumulative sums over the times sorted once, tie groups are handled in bulk, so a fit
costs a few array passes instead of lifelines' per-row loop. Columns that are linear
combinations of earlier ones (an interaction cell holding one arm only) are dropped, as
coxph reports them NA, and the degrees of freedom count the columns kept.

Used for the many small fits of the subgroups (Efron) and for R's `ties = "breslow"`, which
lifelines does not offer. Strata (R's `+ strata(s)`) each keep their own risk sets; their
log-likelihoods, scores and informations add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITERATIONS = 30
# R's stopping rule is a relative change of the log-likelihood ≤ 1e-9; a tighter one costs
# an iteration or two and leaves the coefficients equal to R's to well below 1e-6.
TOLERANCE = 1e-12
MAX_ESTIMABLE_LOG_HR = 15.0  # |coefficient| beyond this is a separation, not an estimate
TIES = ("efron", "breslow")


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

    @property
    def df(self) -> int:
        return len(self.kept)

    @property
    def separated(self) -> bool:
        """A coefficient ran off to infinity (no event, or all events, on one side)."""
        return bool(len(self.coef) and np.max(np.abs(self.coef)) > MAX_ESTIMABLE_LOG_HR)


def _independent_columns(x: np.ndarray) -> tuple[int, ...]:
    """Columns kept left to right, each one not in the span of those before it."""
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
        order = np.argsort(-durations, kind="stable")  # longest first: risk sets accumulate
        self.t = durations[order]
        self.e = events[order].astype(bool)
        self.x = x[order]
        event_times = np.unique(self.t[self.e])[::-1]
        # Risk set at time s: the rows with t ≥ s, i.e. the first `size` rows.
        self.size = np.searchsorted(-self.t, -event_times, side="right")
        # Each event row's tie group, and its rank k = 0..d-1 within the group.
        self.group = np.searchsorted(-event_times, -self.t[self.e])
        self.ties = np.bincount(self.group, minlength=len(event_times)).astype(float)
        starts = np.concatenate([[0], np.cumsum(self.ties)[:-1]]).astype(int)
        by_group = np.argsort(self.group, kind="stable")
        self.rank_group = self.group[by_group]
        self.rank = np.arange(len(by_group)) - starts[self.rank_group]
        self.n_groups = len(event_times)

    def loglik_score_information(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        x, p = self.x, self.x.shape[1]
        eta = x @ beta
        w = np.exp(eta - eta.max())  # scaled for overflow; the scale cancels below
        shift = eta.max()
        wx = w[:, None] * x
        s0 = np.cumsum(w)[self.size - 1]
        s1 = np.cumsum(wx, axis=0)[self.size - 1]
        # One column pair at a time: memory stays one column long, not rows × p × p.
        s2 = np.empty((self.n_groups, p, p))
        for i in range(p):
            for j in range(i, p):
                s2[:, i, j] = s2[:, j, i] = np.cumsum(wx[:, i] * x[:, j])[self.size - 1]
        ev_w, ev_x = w[self.e], x[self.e]
        n, group = self.n_groups, self.group

        def by_group(values: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=values, minlength=n)

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
        g = self.rank_group
        f = np.zeros(len(g)) if self.breslow else self.rank / self.ties[g]
        a0 = s0[g] - f * d0[g]
        c1, c2 = by_group(1 / a0), by_group(f / a0)
        c3, c4, c5 = by_group(1 / a0**2), by_group(f / a0**2), by_group(f**2 / a0**2)
        loglik = float(eta[self.e].sum() - (np.log(a0) + shift).sum())
        score = ev_x.sum(axis=0) - (s1 * c1[:, None] - d1 * c2[:, None]).sum(axis=0)
        s1s1 = np.einsum("g,gi,gj->ij", c3, s1, s1)
        s1d1 = np.einsum("g,gi,gj->ij", c4, s1, d1)
        d1d1 = np.einsum("g,gi,gj->ij", c5, d1, d1)
        information = (
            np.einsum("g,gij->ij", c1, s2)
            - np.einsum("g,gij->ij", c2, d2)
            - (s1s1 - s1d1 - s1d1.T + d1d1)
        )
        return loglik, score, information


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
        self.strata = [
            _RiskSets(durations[inside], events[inside], x[inside], ties)
            for inside in (strata == level for level in np.unique(strata))
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
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=int)
    x = np.asarray(x, dtype=float).reshape(len(durations), -1)
    kept = _independent_columns(x) if x.shape[1] else ()
    design = x[:, list(kept)]
    risk = (
        _RiskSets(durations, events, design, ties)
        if strata is None
        else _StrataRiskSets(durations, events, design, np.asarray(strata), ties)
    )
    beta = np.zeros(len(kept))
    if risk.n_groups == 0:
        return EfronFit(beta, np.full((len(kept),) * 2, np.nan), kept, 0.0, 0.0, 0, len(x), 0)
    loglik, score, information = risk.loglik_score_information(beta)
    loglik_null, iterations = loglik, 0
    while len(kept) and iterations < MAX_ITERATIONS:
        iterations += 1
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(information, score, rcond=None)[0]
        candidate = beta + step
        new_loglik, new_score, new_information = risk.loglik_score_information(candidate)
        halvings = 0
        while (not np.isfinite(new_loglik) or new_loglik < loglik - 1e-12) and halvings < 30:
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
    return EfronFit(
        beta, variance, kept, loglik, loglik_null, iterations, len(x), int(events.sum())
    )
