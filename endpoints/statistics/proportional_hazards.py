"""The proportional-hazards check as R 4.2's cox.zph computes it (survival ≥ 3.0).

Not the Grambsch-Therneau approximation from scaled Schoenfeld residuals (survival 2.x,
lifelines' proportional_hazard_test): a score test, at the fitted coefficients, of adding
x·g(t) to the model, with g R's default transform "km": 1 - KM(t-) of all patients pooled
(strata ignored), centred on its mean over the deaths. The score and information are the
fit's own risk-set sums with each death time weighted by g and g² (statistics/cox_efron.py),
Efron or Breslow as the fit, each stratum with its own risk sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from endpoints.statistics.cox_efron import RiskSets
from endpoints.statistics.ordering import by_time


@dataclass(frozen=True)
class ProportionalHazardsTest:
    chisq: float
    df: int
    p: float


def km_transform(
    durations: np.ndarray, events: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The death times (ascending), 1 - KM(t-) there (the pooled curve just before t), and
    the deaths at each."""
    order = by_time(durations)
    ordered = durations[order]
    dead = ordered[events[order] == 1]
    del order
    first = np.flatnonzero(np.concatenate([[True], dead[1:] != dead[:-1]])[: len(dead)])
    death_times = dead[first]
    deaths = np.diff(np.append(first, len(dead)))
    at_risk = len(durations) - np.searchsorted(ordered, death_times, side="left")
    surv_after = np.cumprod(1.0 - deaths / at_risk)
    return death_times, 1.0 - np.concatenate([[1.0], surv_after[:-1]]), deaths


def zph_test(
    risk: RiskSets, coef: np.ndarray, durations: np.ndarray, events: np.ndarray
) -> ProportionalHazardsTest | None:
    """The GLOBAL row of R's cox.zph(fit) (for one covariate, its only row).

    None where R stops with a singular system: no death, every death on one day (g is
    constant, so it carries no information), or the fit itself without information.
    """
    death_times, g_raw, deaths = km_transform(durations, events)
    if not len(death_times):
        return None
    centre = float(deaths @ g_raw / deaths.sum())
    p = len(coef)
    score_g = np.zeros(p)
    information = np.zeros((2 * p, 2 * p))
    for stratum in getattr(risk, "strata", [risk]):  # one set of risk sets per stratum
        if stratum.n_groups == 0:
            continue
        g = g_raw[np.searchsorted(death_times, stratum.event_times)] - centre
        _, ((_, plain), (score, by_g), (_, by_g2)) = stratum.moments(coef, [None, g, g * g])
        score_g += score
        information += np.block([[plain, by_g], [by_g, by_g2]])
    u = np.concatenate([np.zeros(p), score_g])
    # R's solve() refuses a system whose reciprocal condition is below machine precision.
    if (
        not np.all(np.isfinite(information))
        or 1 / np.linalg.cond(information) < np.finfo(float).eps
    ):
        return None
    chisq = float(u @ np.linalg.solve(information, u))
    return ProportionalHazardsTest(chisq=chisq, df=p, p=float(chi2.sf(chisq, p)))
