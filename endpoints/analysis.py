"""The trial's standard analysis of a data cut-off, as a JSON-ready dictionary.

Pure: given the patient facts it returns every figure the dashboard and the exports show.
Comparative figures (by arm) and pooled ones are kept apart, so a blinded viewer's page
can be built from the pooled part alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from lifelines.exceptions import ConvergenceError

import protocol
from endpoints.datasets import (
    REMISSION,
    PatientFacts,
    TimeToEvent,
    best_response,
    time_to_event_rows,
)
from endpoints.early_mortality import early_mortality
from endpoints.mrd_negativity import mrd_negativity
from endpoints.myelosuppression import myelosuppression, myelosuppression_pooled
from endpoints.statistics.comparison import cox, logrank
from endpoints.statistics.cumulative_incidence import cumulative_incidence
from endpoints.statistics.follow_up import median_follow_up
from endpoints.statistics.kaplan_meier import kaplan_meier
from endpoints.statistics.response_rates import clopper_pearson, fisher_p
from endpoints.subgroups import os_subgroups

TREATMENT, REFERENCE = protocol.Arm.DEX.value, protocol.Arm.CONTROL.value
RISK_TIMES = (0, 90, 180, 365, 730)
LANDMARKS = {"1 year": 365, "2 years": 730}
CONF_TYPE = "log-log"  # the primary report's transform, labelled as such (SAS default)
ORR_CATEGORIES = {"CR", "CRi", "MLFS"}
MAX_ESTIMABLE_LOG_HR = 15.0  # |log HR| beyond this is a separation, not an estimate


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _curve_summary(rows: Sequence[TimeToEvent]) -> dict[str, Any] | None:
    if not rows:
        return None
    km = kaplan_meier([r.days for r in rows], [r.event for r in rows], conf_type=CONF_TYPE)
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


def _comparison(
    rows: Sequence[TimeToEvent],
    facts_by_id: dict[str, PatientFacts],
    strata_factors: Sequence[str],
    ties: str = "efron",
) -> dict[str, Any] | None:
    arms = [facts_by_id[r.study_id].arm for r in rows]
    if len(set(arms)) < 2 or sum(r.event for r in rows) == 0:
        return None
    durations, events = [r.days for r in rows], [r.event for r in rows]
    strata = (
        ["|".join(str(getattr(facts_by_id[r.study_id], f)) for f in strata_factors) for r in rows]
        if strata_factors
        else None
    )
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


def _cox_summary(
    durations: list[int],
    events: list[int],
    arms: list[str],
    labels: list[str] | None,
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
    parameter: str,
    rows: list[TimeToEvent],
    facts_by_id: dict[str, PatientFacts],
    strata_factors: Sequence[str],
    ties: str = "efron",
) -> dict[str, Any]:
    mine = [r for r in rows if r.parameter == parameter]
    return {
        "pooled": _curve_summary(mine),
        "by_arm": {
            arm: _curve_summary([r for r in mine if facts_by_id[r.study_id].arm == arm])
            for arm in (TREATMENT, REFERENCE)
        },
        "comparison": _comparison(mine, facts_by_id, strata_factors, ties),
    }


def _responses(facts: Sequence[PatientFacts], cutoff: dt.date) -> dict[str, Any]:
    counts: dict[str, Counter] = {arm: Counter() for arm in (TREATMENT, REFERENCE)}
    for patient in facts:
        if patient.imported:  # no response data came with legacy outcomes
            continue
        # Responses to protocol treatment only: up to the end of treatment or allo-HSCT.
        counts[patient.arm][best_response(patient, cutoff) or "not assessed"] += 1
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


def _relapse_incidence(
    rows: list[TimeToEvent], facts_by_id: dict[str, PatientFacts]
) -> dict[str, Any]:
    mine = [r for r in rows if r.parameter == "RELAPSE"]

    def summary(subset: list[TimeToEvent]) -> dict[str, Any]:
        cif = cumulative_incidence([r.days for r in subset], [r.event for r in subset])
        return {
            "n": len(subset),
            "relapses": sum(1 for r in subset if r.event == 1),
            "competing_deaths": sum(1 for r in subset if r.event == 2),
            "at": {label: cif.at(day) for label, day in LANDMARKS.items()},
            "curve": {"time": cif.time, "incidence": cif.incidence},
        }

    return {
        "pooled": summary(mine),
        "by_arm": {
            arm: summary([r for r in mine if facts_by_id[r.study_id].arm == arm])
            for arm in (TREATMENT, REFERENCE)
        },
    }


def analysis_compute(
    facts: Sequence[PatientFacts],
    cutoff: dt.date,
    strata_factors: Sequence[str],
    *,
    ties: str = "efron",
) -> dict[str, Any]:
    """Compute the standard analysis of PROTOCOL.md for this cut-off.

    The hazard ratios use Efron's ties, as R's coxph does by default (the worker's choice);
    the statistician's command line may ask for Breslow's to compare with other software.
    """
    facts_by_id = {f.study_id: f for f in facts}
    rows = time_to_event_rows(facts, cutoff)
    os_rows = [r for r in rows if r.parameter == "OS"]
    return {
        "cutoff": cutoff.isoformat(),
        "n_randomized": len(facts),
        "n_by_arm": dict(Counter(f.arm for f in facts)),
        "strata_factors": list(strata_factors),
        "median_follow_up_days": median_follow_up(
            [r.days for r in os_rows], [r.event for r in os_rows]
        ),
        "endpoints": {
            p: _endpoint(p, rows, facts_by_id, strata_factors, ties)
            for p in ("OS", "EFS", "LFS", "OS_HSCT_CENSORED")
        },
        "relapse_incidence": _relapse_incidence(rows, facts_by_id),
        "early_mortality": early_mortality(os_rows, facts_by_id),
        "os_subgroups": os_subgroups(os_rows, facts_by_id),  # comparative only: never blinded
        "responses": _responses(facts, cutoff),
        "mrd_negativity": mrd_negativity(facts, cutoff),
        "myelosuppression": myelosuppression(facts),
        "transplant_rate": {
            arm: clopper_pearson(
                sum(1 for f in facts if f.arm == arm and f.hsct_on and f.hsct_on <= cutoff),
                sum(1 for f in facts if f.arm == arm),
            ).__dict__
            for arm in (TREATMENT, REFERENCE)
        },
    }


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
