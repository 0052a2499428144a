"""The trial's standard analysis of a data cut-off, as a JSON-ready dictionary.

Pure: given the patients' columns (endpoints/cohort.py) it returns every figure the dashboard
and the exports show, on arrays: the worker reads a million patients' columns, never a
million objects. Comparative figures (by arm) and pooled ones are kept apart, so a blinded
viewer's page can be built from the pooled part alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines.exceptions import ConvergenceError

import protocol
from endpoints.cohort import ARMS, LABELS, Cohort
from endpoints.cohort_derivations import (
    Endpoint,
    last_known_alive,
    overall_survival,
    time_to_event_column,
)
from endpoints.cohort_memory import release_freed_memory, releasing_freed_memory
from endpoints.cohort_subanalyses import myelosuppression_of, os_subgroups_of
from endpoints.datasets import _BEST_FIRST, REMISSION, PatientFacts
from endpoints.early_mortality import early_mortality_of
from endpoints.mrd_negativity import RESPONDERS, mrd_negativity_of
from endpoints.myelosuppression import myelosuppression_pooled
from endpoints.statistics.comparison import cox, logrank
from endpoints.statistics.cumulative_incidence import cumulative_incidence
from endpoints.statistics.follow_up import median_follow_up
from endpoints.statistics.kaplan_meier import kaplan_meier
from endpoints.statistics.response_rates import clopper_pearson, fisher_p

TREATMENT, REFERENCE = protocol.Arm.DEX.value, protocol.Arm.CONTROL.value
# Each arm's code in the cohort's columns: patients are picked by arm on codes, not strings.
ARM_CODES = {arm: ARMS.index(arm) for arm in (TREATMENT, REFERENCE)}
RISK_TIMES = (0, 90, 180, 365, 730)
LANDMARKS = {"1 year": 365, "2 years": 730}
CONF_TYPE = "log-log"  # the primary report's transform, labelled as such (SAS default)
ORR_CATEGORIES = {"CR", "CRi", "MLFS"}
MAX_ESTIMABLE_LOG_HR = 15.0  # |log HR| beyond this is a separation, not an estimate
DENSE_STRATA = 1 << 16  # stratum codes (64 per factor) below this are counted in an array


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _curve_summary(days: np.ndarray, events: np.ndarray) -> dict[str, Any] | None:
    if not len(days):
        return None
    km = kaplan_meier(days, events, conf_type=CONF_TYPE)
    landmarks = {}
    for label, day in LANDMARKS.items():
        lower, upper = km.confidence_at(day)
        landmarks[label] = {
            "day": day,
            "survival": km.survival_at(day),
            "lower": lower,
            "upper": upper,
        }
    return {
        "n": km.n,
        "events": km.events,
        "conf_type": CONF_TYPE,
        "median": km.median,
        "median_lower": km.median_lower,
        "median_upper": km.median_upper,
        "landmarks": landmarks,
        "at_risk": {str(t): km.n_at_risk(t) for t in RISK_TIMES},
        "curve": {
            "time": km.time,
            "surv": km.surv,
            "lower": km.lower,
            "upper": km.upper,
            "n_censor": km.n_censor,
        },
    }


def _strata(cohort: Cohort, at: np.ndarray, strata_factors: Sequence[str]) -> np.ndarray:
    """Each patient's stratum as its rank among the strata's names (levels joined with "|",
    e.g. "intensive|relapsed") in alphabetical order: the strata in R's order, as a small
    integer per patient instead of a million strings."""
    codes = np.zeros(len(at), dtype=np.int64)
    for factor in strata_factors:
        codes *= 64
        codes += cohort.codes(factor)[at]
    top = int(codes.max(initial=0)) + 1
    dense = top <= DENSE_STRATA  # counted, not sorted: no million-row temporaries
    if dense:
        present = np.flatnonzero(np.bincount(codes, minlength=top))
    else:
        present, codes = np.unique(codes, return_inverse=True)  # codes: index in present
    names = []
    for code in present.tolist():
        levels = []
        for factor in reversed(strata_factors):
            code, level = divmod(code, 64)
            levels.append(LABELS[factor][level])
        names.append("|".join(reversed(levels)))
    small = len(names) <= np.iinfo(np.int16).max  # a few strata: 2 bytes a patient
    rank = np.empty(len(names), dtype=np.int16 if small else np.int64)
    rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    if dense:
        by_code = np.zeros(top, dtype=rank.dtype)
        by_code[present] = rank
        return by_code[codes]
    return rank[codes]


def _comparison(
    endpoint: Endpoint,
    arms: np.ndarray,
    codes: np.ndarray,
    strata: np.ndarray | None,
    strata_factors: Sequence[str],
    ties: str = "efron",
) -> dict[str, Any] | None:
    # Two arms counted on their codes (sorting a million strings took seconds).
    if len(np.unique(codes)) < 2 or not endpoint.event.any():
        return None
    durations, events = endpoint.days, endpoint.event
    result: dict[str, Any] = {"strata_factors": list(strata_factors)}
    for name, labels in (("unstratified", None), ("stratified", strata)):
        if name == "stratified" and labels is None:
            continue
        test = logrank(
            durations, events, arms, treatment=TREATMENT, reference=REFERENCE, strata=labels
        )
        result[name] = {
            "logrank": {
                "chisq": test.chisq,
                "p": test.p,
                "observed": test.observed,
                "expected": test.expected,
            },
            "cox": _cox_summary(durations, events, arms, labels, ties),
        }
    return result


@releasing_freed_memory
def _cox_summary(
    durations: np.ndarray,
    events: np.ndarray,
    arms: np.ndarray,
    labels: np.ndarray | None,
    ties: str = "efron",
) -> dict[str, Any]:
    """The hazard ratio, or why it cannot be estimated on these data (e.g. every stratum
    holds one arm only, or no event in one arm): reported, not raised."""
    try:
        model = cox(
            durations,
            events,
            arms,
            treatment=TREATMENT,
            reference=REFERENCE,
            strata=labels,
            ties=ties,
        )
    except (ConvergenceError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        return {
            "hr": None,
            "hr_lower": None,
            "hr_upper": None,
            "coef": None,
            "se": None,
            "wald_p": None,
            "lr_p": None,
            "score_p": None,
            "ph_test_p": None,
            "ties": ties,
            "not_estimable": f"{type(exc).__name__}: {exc}"[:300],
        }
    finite = {
        name: _finite(getattr(model, name))
        for name in (
            "hr",
            "hr_lower",
            "hr_upper",
            "coef",
            "se",
            "wald_p",
            "lr_p",
            "score_p",
            "ph_test_p",
        )
    }
    if (
        None in (finite["se"], finite["hr_lower"], finite["hr_upper"])
        or abs(model.coef) > MAX_ESTIMABLE_LOG_HR
    ):
        # A fit that "converged" to an infinite hazard ratio (one arm's events decide it).
        return {
            **dict.fromkeys(finite),
            "ties": model.ties,
            "not_estimable": "The data do not determine a finite hazard ratio.",
        }
    return {**finite, "ties": model.ties}


def _endpoint(
    endpoint: Endpoint,
    cohort: Cohort,
    arms: np.ndarray,
    strata_factors: Sequence[str],
    ties: str = "efron",
) -> dict[str, Any]:
    # Rows of every patient are the cohort's, in order (positions come sorted): no copy.
    every = len(endpoint) == len(cohort)
    mine = arms if every else arms[endpoint.at]
    codes = cohort.arm if every else cohort.arm[endpoint.at]
    strata = _strata(cohort, endpoint.at, strata_factors) if strata_factors else None
    inside = {arm: codes == code for arm, code in ARM_CODES.items()}
    return {
        "pooled": _curve_summary(endpoint.days, endpoint.event),
        "by_arm": {
            arm: _curve_summary(endpoint.days[inside[arm]], endpoint.event[inside[arm]])
            for arm in (TREATMENT, REFERENCE)
        },
        "comparison": _comparison(endpoint, mine, codes, strata, strata_factors, ties),
    }


_RESPONSE_LABELS = np.array([*_BEST_FIRST, "not assessed"], dtype=object)


def _best_responses(codes: np.ndarray) -> Counter:
    """How many patients had each best response, in the order they first appear."""
    present, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first)
    return Counter({str(_RESPONSE_LABELS[present[i]]): int(counts[i]) for i in order.tolist()})


def _responses(cohort: Cohort) -> dict[str, Any]:
    # No response data came with legacy outcomes. Responses to protocol treatment only: up
    # to the end of treatment or allo-HSCT (endpoints/datasets.py, best_response).
    recorded = ~cohort.imported
    counts: dict[str, Counter] = {
        arm: _best_responses(cohort.best_response[recorded & (cohort.arm == ARM_CODES[arm])])
        for arm in (TREATMENT, REFERENCE)
    }
    rates: dict[str, Any] = {}
    for label, categories in (("ORR (CR+CRi+MLFS)", ORR_CATEGORIES), ("CR/CRi", REMISSION)):
        by_arm = {}
        for arm, c in counts.items():
            n = sum(c.values())
            rate = clopper_pearson(sum(c[k] for k in categories), n)
            by_arm[arm] = rate.__dict__
        rates[label] = {
            "by_arm": by_arm,
            "fisher_p": fisher_p(
                by_arm[TREATMENT]["responders"],
                by_arm[TREATMENT]["n"],
                by_arm[REFERENCE]["responders"],
                by_arm[REFERENCE]["n"],
            ),
        }
    pooled_n = sum(sum(c.values()) for c in counts.values())
    pooled = {
        label: clopper_pearson(sum(counts[a][k] for a in counts for k in cats), pooled_n).__dict__
        for label, cats in (("ORR (CR+CRi+MLFS)", ORR_CATEGORIES), ("CR/CRi", REMISSION))
    }
    return {
        "best_response_by_arm": {arm: dict(c) for arm, c in counts.items()},
        "rates": rates,
        "pooled": pooled,
    }


def _relapse_incidence(endpoint: Endpoint, arm_codes: np.ndarray) -> dict[str, Any]:
    def summary(days: np.ndarray, codes: np.ndarray) -> dict[str, Any]:
        cif = cumulative_incidence(days, codes)  # arrays: a million-item list costs seconds
        return {
            "n": len(days),
            "relapses": int((codes == 1).sum()),
            "competing_deaths": int((codes == 2).sum()),
            "at": {label: cif.at(day) for label, day in LANDMARKS.items()},
            "curve": {"time": cif.time, "incidence": cif.incidence},
        }

    mine = arm_codes[endpoint.at]
    return {
        "pooled": summary(endpoint.days, endpoint.event),
        "by_arm": {
            arm: summary(endpoint.days[mine == code], endpoint.event[mine == code])
            for arm, code in ARM_CODES.items()
        },
    }


def analysis_compute(
    facts: Sequence[PatientFacts],
    cutoff: dt.date,
    strata_factors: Sequence[str],
    *,
    ties: str = "efron",
) -> dict[str, Any]:
    """The standard analysis of patients already read (the data cuts, the tests)."""
    return cohort_analysis(Cohort.of_facts(facts, cutoff), strata_factors, ties=ties)


def cohort_analysis(
    cohort: Cohort, strata_factors: Sequence[str], *, ties: str = "efron"
) -> dict[str, Any]:
    """Compute the standard analysis of PROTOCOL.md for the cohort's cut-off.

    The hazard ratios use Efron's ties, as R's coxph does by default (the worker's choice);
    the statistician's command line may ask for Breslow's to compare with other software.
    """
    cutoff = cohort.cutoff
    alive = last_known_alive(cohort)
    os = overall_survival(cohort, alive)
    # Each patient's arm as a category (a byte a patient): compared with an arm's name as an
    # array of names is, without a million-item object array held through the analysis.
    arms = pd.Categorical.from_codes(cohort.arm, categories=ARMS)
    os_arms = arms if len(os) == len(cohort) else arms[os.at]  # OS: every patient, in order
    hsct = cohort.hsct <= (cutoff - dt.date(1970, 1, 1)).days
    present, first, counts = np.unique(cohort.arm, return_index=True, return_counts=True)
    by_arm = {arm: cohort.arm == code for arm, code in ARM_CODES.items()}
    return {
        "cutoff": cutoff.isoformat(),
        "n_randomized": len(cohort),
        "n_by_arm": {ARMS[present[i]]: int(counts[i]) for i in np.argsort(first).tolist()},
        "strata_factors": list(strata_factors),
        "median_follow_up_days": median_follow_up(os.days, os.event),
        # Each endpoint derived when reached: one endpoint's rows held at a time beside OS's.
        "endpoints": {
            p: _endpoint(_derived(cohort, p, alive, os), cohort, arms, strata_factors, ties)
            for p in ("OS", "EFS", "LFS", "OS_HSCT_CENSORED")
        },
        "relapse_incidence": _relapse_incidence(_derived(cohort, "RELAPSE", alive, os), cohort.arm),
        "early_mortality": early_mortality_of(os.days, os.event, os_arms),
        # Comparative only: never blinded.
        "os_subgroups": os_subgroups_of(
            os, (cohort.arm[os.at] == ARM_CODES[TREATMENT]).astype(np.int8), cohort
        ),
        "responses": _responses(cohort),
        "mrd_negativity": mrd_negativity_of(
            arms,
            ~cohort.imported & np.isin(cohort.best_response, _codes(RESPONDERS)),
            cohort.mrd_negative,
        ),
        "myelosuppression": myelosuppression_of(cohort, by_arm),
        "transplant_rate": {
            arm: clopper_pearson(int((hsct & by_arm[arm]).sum()), int(by_arm[arm].sum())).__dict__
            for arm in (TREATMENT, REFERENCE)
        },
    }


def _codes(categories: set[str]) -> list[int]:
    return [_BEST_FIRST.index(c) for c in categories if c in _BEST_FIRST]


def _derived(cohort: Cohort, parameter: str, alive: np.ndarray, os: Endpoint) -> Endpoint:
    """One endpoint's rows, the pages the previous endpoint and the derivation freed given
    back (a million patients' temporaries would otherwise stay resident and add up)."""
    release_freed_memory()
    endpoint = time_to_event_column(cohort, parameter, alive, os)
    release_freed_memory()
    return endpoint


def blinded_view(results: dict[str, Any]) -> dict[str, Any]:
    """Return only the pooled figures: what a blinded role may see while the trial runs."""
    return {
        "cutoff": results["cutoff"],
        "n_randomized": results["n_randomized"],
        "strata_factors": results["strata_factors"],
        "median_follow_up_days": results["median_follow_up_days"],
        "endpoints": {p: {"pooled": e["pooled"]} for p, e in results["endpoints"].items()},
        "relapse_incidence": {"pooled": results["relapse_incidence"]["pooled"]},
        "early_mortality": {"pooled": (results.get("early_mortality") or {}).get("pooled")},
        "responses": {"pooled": results["responses"]["pooled"]},
        "mrd_negativity": {"pooled": (results.get("mrd_negativity") or {}).get("pooled")},
        "myelosuppression": myelosuppression_pooled(results.get("myelosuppression")),
        "data_locks": results.get("data_locks"),
    }
