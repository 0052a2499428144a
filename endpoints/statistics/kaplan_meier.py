"""Kaplan-Meier estimates with R's conventions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from endpoints.statistics.ordering import by_time, numeric

# R's quantile.survfit tolerance: sqrt(.Machine$double.eps).
R_TOLERANCE = math.sqrt(np.finfo(float).eps)
CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted curve: one row per distinct time, as R's survfit table."""

    time: list[float]
    n_risk: list[int]
    n_event: list[int]
    n_censor: list[int]
    surv: list[float]
    std_err_cumhaz: list[float | None]  # Greenwood, on the cumulative-hazard scale (R's std.err)
    std_err_surv: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    conf_type: str
    median: float | None
    median_lower: float | None
    median_upper: float | None
    durations: np.ndarray

    @property
    def n(self) -> int:
        return len(self.durations)

    @property
    def events(self) -> int:
        return int(sum(self.n_event))

    def n_at_risk(self, t: float) -> int:
        """Patients still under observation at t: time ≥ t (R summary(times=), SAS)."""
        return int(np.sum(self.durations >= t))

    def survival_at(self, t: float) -> float:
        """S(t), events at t included (a right-continuous step function)."""
        value = 1.0
        for time, surv in zip(self.time, self.surv, strict=True):
            if time > t:
                break
            value = surv
        return value

    def confidence_at(self, t: float) -> tuple[float | None, float | None]:
        """The pointwise interval of S(t); None where it is undefined.

        While S(t) is 1 (no event by t) Greenwood's variance is 0 and the interval is the
        point 1, before the first time as after a censoring: R's survfit table leaves the
        log-log limits NA there but its summary(times = 0) prints 1–1, so a 30-day and a
        60-day figure of the same curve read differently; here both are 1. Where S(t) is 0
        the variance is infinite and the log-log (or log) interval undefined: None, as R.
        """
        lower: float | None = 1.0
        upper: float | None = 1.0
        for time, surv, lo, up in zip(self.time, self.surv, self.lower, self.upper, strict=True):
            if time > t:
                break
            lower, upper = (1.0, 1.0) if surv == 1 else (lo, up)
        return lower, upper


def _interval(
    surv: np.ndarray, se_cumhaz: np.ndarray, conf_type: str, z: float
) -> tuple[list[float | None], list[float | None]]:
    """Pointwise confidence limits as R's survfit computes them; None where undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lower = surv * np.exp(-z * se_cumhaz)
            upper = np.minimum(surv * np.exp(z * se_cumhaz), 1.0)
            undefined = surv == 0
        elif conf_type == "log-log":
            log_s = np.log(surv)
            lower = np.exp(-np.exp(np.log(-log_s) - z * se_cumhaz / log_s))
            upper = np.exp(-np.exp(np.log(-log_s) + z * se_cumhaz / log_s))
            undefined = (surv == 0) | (surv == 1)
        elif conf_type == "plain":
            se_surv = surv * se_cumhaz
            lower = np.maximum(surv - z * se_surv, 0.0)
            upper = np.minimum(surv + z * se_surv, 1.0)
            undefined = np.zeros_like(surv, dtype=bool)
        else:
            raise ValueError(f"conf_type must be one of {CONF_TYPES}")
    # No interval once the variance is infinite (everyone left at risk died): R gives NA.
    undefined = undefined | ~np.isfinite(se_cumhaz)
    return _with_none(lower, undefined), _with_none(upper, undefined)


def _with_none(values: np.ndarray, undefined: np.ndarray) -> list[float | None]:
    return [None if u else float(v) for v, u in zip(values, undefined, strict=True)]


def _approx_right_index(nodes: Sequence[float], p: float) -> int | None:
    """R's approx(nodes, 1:n, p, method='constant', f=1): first index with node ≥ p."""
    if not nodes or p < nodes[0] or p > nodes[-1]:
        return None
    for index, node in enumerate(nodes):
        if node >= p:
            return index
    return None


def r_quantile(
    times: Sequence[float],
    surv: Sequence[float | None],
    p: float = 0.5,
    first_time: float = 0.0,
    tol: float = R_TOLERANCE,
) -> float | None:
    """The time the curve reaches 1 - p, by R's quantile.survfit (`findq`).

    On a flat stretch exactly at the quantile, the midpoint of the flat is returned (R and
    SAS); lifelines would return its start.
    """
    x = [first_time, *times]
    y = [0.0, *[None if s is None else 1.0 - s for s in surv]]
    pairs = [(xi, yi) for xi, yi in zip(x, y, strict=True) if yi is not None]
    if not pairs or max(yi for _, yi in pairs) < p:
        return None
    xmax = x[-1]
    seen, xs, ys = set(), [], []
    for xi, yi in pairs:
        if yi not in seen:
            seen.add(yi)
            xs.append(xi)
            ys.append(yi)
    i1 = _approx_right_index([v + tol for v in ys], p)
    i2 = _approx_right_index([v - tol for v in ys], p)
    if p == 0:
        return xs[0]
    if abs(p - ys[-1]) < tol and i1 is not None:
        return (xs[i1] + xmax) / 2
    if i1 is None or i2 is None:
        return None
    return (xs[i1] + xs[i2]) / 2


def _event_table(
    observed: np.ndarray, died: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R's survfit table, one row per distinct time, from one sort: the time, the number at
    risk (time ≥ t), of deaths and of censorings there."""
    order = by_time(observed)
    t = observed[order]
    starts = np.flatnonzero(np.concatenate([[True], t[1:] != t[:-1]])) if len(t) else order
    removed = np.diff(np.append(starts, len(t)))
    n_event = np.add.reduceat(died[order], starts, dtype=np.int64) if len(t) else removed
    n_risk = len(t) - np.cumsum(removed) + removed
    return t[starts], n_risk, n_event, removed - n_event


def kaplan_meier(
    durations: Sequence[float] | Sequence[int] | np.ndarray,
    events: Sequence[int] | np.ndarray,
    *,
    conf_type: str = "log-log",
    alpha: float = 0.05,
) -> KaplanMeier:
    """Fit a Kaplan-Meier curve with Greenwood variance and R's confidence limits."""
    # Whole days stay integers (no float copy of a million); the table's times are floats.
    observed = numeric(durations)
    time, n_risk, n_event, n_censor = _event_table(observed, np.asarray(events) != 0)
    time = time.astype(float)
    surv = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        increments = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    var_cumhaz = np.cumsum(increments)
    se_cumhaz = np.sqrt(var_cumhaz)
    z = float(norm.ppf(1 - alpha / 2))
    lower, upper = _interval(surv, se_cumhaz, conf_type, z)
    times = time.tolist()
    return KaplanMeier(
        time=times,
        n_risk=n_risk.tolist(),
        n_event=n_event.tolist(),
        n_censor=n_censor.tolist(),
        surv=surv.tolist(),
        std_err_cumhaz=[float(v) if math.isfinite(v) else None for v in se_cumhaz],
        std_err_surv=[
            float(s * v) if math.isfinite(v) else None for s, v in zip(surv, se_cumhaz, strict=True)
        ],
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        median=r_quantile(times, surv.tolist()),
        median_lower=r_quantile(times, lower),
        median_upper=r_quantile(times, upper),
        durations=observed,
    )
