"""Comparing the arms: log-rank tests and Cox proportional hazards, as R computes them."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test, proportional_hazard_test
from scipy.stats import chi2, norm

from endpoints.statistics.cox_efron import TIES, cox_efron


@dataclass(frozen=True)
class LogRank:
    chisq: float
    df: int
    p: float
    observed: dict[str, float]
    expected: dict[str, float]
    strata: tuple[str, ...] = ()


def _observed_expected(
    durations: np.ndarray, events: np.ndarray, treated: np.ndarray
) -> tuple[float, float, float, float]:
    """Return (O - E, variance, O, E) for the treated group, hypergeometric, R's survdiff."""
    o_minus_e = variance = observed = expected = 0.0
    for t in np.unique(durations[events == 1]):
        at_risk = durations >= t
        n = at_risk.sum()
        n1 = (at_risk & treated).sum()
        d = ((durations == t) & (events == 1)).sum()
        d1 = ((durations == t) & (events == 1) & treated).sum()
        e1 = d * n1 / n
        observed += d1
        expected += e1
        o_minus_e += d1 - e1
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e, variance, observed, expected


def logrank(
    durations: Sequence[float],
    events: Sequence[int],
    groups: Sequence[str],
    *,
    treatment: str,
    reference: str,
    strata: Sequence[str] | None = None,
) -> LogRank:
    """Log-rank test of treatment vs reference, optionally stratified.

    lifelines has no stratified log-rank: it is the sum over strata of the observed minus
    expected counts and of their variances (R: survdiff(... + strata(s))); a stratum with
    no events contributes nothing.
    """
    times = np.asarray(durations, dtype=float)
    event_flags = np.asarray(events, dtype=int)
    arms = np.asarray(groups)
    treated = arms == treatment
    labels = np.asarray(strata) if strata is not None else np.zeros(len(times), dtype=int)
    total = {"o_minus_e": 0.0, "variance": 0.0, "o_t": 0.0, "e_t": 0.0}
    for level in np.unique(labels):
        inside = labels == level
        o_minus_e, variance, o_t, e_t = _observed_expected(
            times[inside], event_flags[inside], treated[inside]
        )
        total["o_minus_e"] += o_minus_e
        total["variance"] += variance
        total["o_t"] += o_t
        total["e_t"] += e_t
    deaths = float(event_flags.sum())
    chisq = total["o_minus_e"] ** 2 / total["variance"] if total["variance"] > 0 else 0.0
    if strata is None:
        # lifelines' own test, computed the same way, as a cross-check of the sum above.
        reference_side = arms == reference
        lifelines_result = logrank_test(
            times[treated], times[reference_side], event_flags[treated], event_flags[reference_side]
        )
        if not np.isclose(lifelines_result.test_statistic, chisq, rtol=1e-9, atol=1e-12):
            raise ArithmeticError("log-rank statistic disagrees with lifelines")
    return LogRank(
        chisq=float(chisq),
        df=1,
        p=float(chi2.sf(chisq, 1)),
        observed={treatment: total["o_t"], reference: deaths - total["o_t"]},
        expected={treatment: total["e_t"], reference: deaths - total["e_t"]},
        strata=tuple(str(level) for level in np.unique(labels)) if strata is not None else (),
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
    ph_test_p: float | None  # Schoenfeld-residual test of proportional hazards


def _score_test_at_zero(
    durations: np.ndarray, events: np.ndarray, x: np.ndarray, labels: np.ndarray, ties: str
) -> float:
    """Score (log-rank-like) statistic U(0)²/I(0) for one covariate, Efron or Breslow ties."""
    score = information = 0.0
    for level in np.unique(labels):
        inside = labels == level
        t_all, e_all, x_all = durations[inside], events[inside], x[inside]
        for t in np.unique(t_all[e_all == 1]):
            risk = t_all >= t
            tied = (t_all == t) & (e_all == 1)
            d = tied.sum()
            s0, s1, s2 = risk.sum(), x_all[risk].sum(), (x_all[risk] ** 2).sum()
            d1, d2 = x_all[tied].sum(), (x_all[tied] ** 2).sum()
            score += d1
            for k in range(d):
                frac = k / d if ties == "efron" else 0.0
                a0, a1, a2 = s0 - frac * d, s1 - frac * d1, s2 - frac * d2
                score -= a1 / a0
                information += a2 / a0 - (a1 / a0) ** 2
    return score**2 / information if information > 0 else 0.0


def cox(
    durations: Sequence[float],
    events: Sequence[int],
    groups: Sequence[str],
    *,
    treatment: str,
    reference: str,
    strata: Sequence[str] | None = None,
    ties: str = "efron",
    alpha: float = 0.05,
) -> CoxModel:
    """Cox model of the hazard ratio treatment vs reference, optionally stratified.

    Efron ties (R's default) are fitted by lifelines, whose default stopping rule leaves a
    relative error of about 1e-6 on the coefficient; it is tightened here so the fit matches
    R's converged one to 1e-8. lifelines has no Breslow ties: R's `ties = "breslow"` is
    fitted by the project's own Newton-Raphson (statistics/cox_efron.py), with no
    proportional-hazards test (None).
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    if ties == "breslow":
        return _cox_breslow(durations, events, groups, treatment, strata, alpha)
    frame = pd.DataFrame(
        {
            "T": np.asarray(durations, dtype=float),
            "E": np.asarray(events, dtype=int),
            "treated": (np.asarray(groups) == treatment).astype(float),
        }
    )
    if strata is not None:
        frame["stratum"] = np.asarray(strata)
    fitter = CoxPHFitter(alpha=alpha)
    fitter.fit(
        frame,
        duration_col="T",
        event_col="E",
        strata=["stratum"] if strata is not None else None,
        # Stop on the Newton decrement (precision is compared with it, so ~1e-18 means a
        # step below ~1e-10), never on a flat log-likelihood (r_precision=0).
        fit_options={"precision": 1e-18, "r_precision": 0.0, "max_steps": 500},
    )
    coef = float(fitter.params_["treated"])
    se = float(fitter.standard_errors_["treated"])
    z = float(norm.ppf(1 - alpha / 2))
    lr = fitter.log_likelihood_ratio_test()
    labels = frame["stratum"].to_numpy() if strata is not None else np.zeros(len(frame))
    score_chisq = _score_test_at_zero(
        frame["T"].to_numpy(), frame["E"].to_numpy(), frame["treated"].to_numpy(), labels, ties
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ph = proportional_hazard_test(fitter, frame, time_transform="rank")
            ph_p = float(np.asarray(ph.p_value).ravel()[0])
        except Exception:
            ph_p = None
    return CoxModel(
        coef=coef,
        se=se,
        hr=float(np.exp(coef)),
        hr_lower=float(np.exp(coef - z * se)),
        hr_upper=float(np.exp(coef + z * se)),
        wald_z=coef / se,
        wald_p=float(2 * norm.sf(abs(coef / se))),
        loglik_null=float(fitter.log_likelihood_ - lr.test_statistic / 2),
        loglik=float(fitter.log_likelihood_),
        lr_chisq=float(lr.test_statistic),
        lr_p=float(lr.p_value),
        score_chisq=float(score_chisq),
        score_p=float(chi2.sf(score_chisq, 1)),
        ties=ties,
        n=len(frame),
        nevent=int(frame["E"].sum()),
        ph_test_p=ph_p,
    )


def _cox_breslow(
    durations: Sequence[float],
    events: Sequence[int],
    groups: Sequence[str],
    treatment: str,
    strata: Sequence[str] | None,
    alpha: float,
) -> CoxModel:
    """R's coxph(..., ties = "breslow"): the Wald interval and p, the likelihood-ratio and
    score tests, from the project's own fit."""
    times = np.asarray(durations, dtype=float)
    event_flags = np.asarray(events, dtype=int)
    treated = (np.asarray(groups) == treatment).astype(float)
    labels = np.asarray(strata) if strata is not None else None
    fit = cox_efron(times, event_flags, treated[:, None], ties="breslow", strata=labels)
    if not fit.kept:  # one arm only (within every stratum): no hazard ratio
        raise np.linalg.LinAlgError("the arm does not vary: no hazard ratio")
    coef = float(fit.coef[0])
    se = float(np.sqrt(fit.variance[0, 0]))
    z = float(norm.ppf(1 - alpha / 2))
    lr_chisq = 2 * (fit.loglik - fit.loglik_null)
    score_chisq = _score_test_at_zero(
        times,
        event_flags,
        treated,
        labels if labels is not None else np.zeros(len(times)),
        "breslow",
    )
    return CoxModel(
        coef=coef,
        se=se,
        hr=float(np.exp(coef)),
        hr_lower=float(np.exp(coef - z * se)),
        hr_upper=float(np.exp(coef + z * se)),
        wald_z=coef / se,
        wald_p=float(2 * norm.sf(abs(coef / se))),
        loglik_null=float(fit.loglik_null),
        loglik=float(fit.loglik),
        lr_chisq=float(lr_chisq),
        lr_p=float(chi2.sf(lr_chisq, 1)),
        score_chisq=float(score_chisq),
        score_p=float(chi2.sf(score_chisq, 1)),
        ties="breslow",
        n=len(times),
        nevent=int(event_flags.sum()),
        ph_test_p=None,
    )
