"""Subgroup analysis of overall survival: the hazard ratio DEX vs CONTROL within each level of
the baseline factors the trial was designed around, and whether the effect differs by level.

Per level: a Cox model (Efron ties, unstratified) of OS on the arm among the patients of that
level. Per factor: the likelihood-ratio test of the arm × factor interaction, comparing
`arm + factor` with `arm * factor` on the patients whose level is known (R:
`anova(coxph(Surv ~ arm + f), coxph(Surv ~ arm * f))`). Patients with an unknown level (not
tested, not recorded, imported without baseline data) are left out of that factor only.
Comparative by construction: only unblinded roles may see any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils import translation
from django.utils.translation import gettext_noop
from scipy.stats import chi2, norm

import protocol
from endpoints.datasets import PatientFacts, TimeToEvent
from endpoints.statistics.cox_efron import cox_efron

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

TREATMENT, REFERENCE = protocol.Arm.DEX.value, protocol.Arm.CONTROL.value
Z_95 = float(norm.ppf(0.975))
# Labels and reasons are stored in the run's results in English; the pages show them in the
# reader's language through the `result_label` filter (endpoints/templatetags/analysis.py).
_MUTATION_LEVELS = (
    (protocol.MutationResult.DETECTED.value, gettext_noop("Mutated")),
    (protocol.MutationResult.NOT_DETECTED.value, gettext_noop("Wild type")),
)


@dataclass(frozen=True)
class SubgroupFactor:
    """A baseline factor of the subgroup analysis, its levels in the order shown."""

    code: str
    label: str
    levels: tuple[tuple[str, StrOrPromise], ...]  # (value, label)
    read: Callable[[PatientFacts], str]


def _baseline(key: str) -> Callable[[PatientFacts], str]:
    return lambda facts: facts.baseline.get(key, "")


# The factors of the subgroup analysis (issue 13 item 8), in the order of the forest plot.
SUBGROUP_FACTORS: tuple[SubgroupFactor, ...] = (
    SubgroupFactor("NPM1", "NPM1", _MUTATION_LEVELS, _baseline("NPM1")),
    SubgroupFactor("RUNX1", "RUNX1", _MUTATION_LEVELS, _baseline("RUNX1")),
    SubgroupFactor("FLT3-ITD", "FLT3-ITD", _MUTATION_LEVELS, _baseline("FLT3-ITD")),
    SubgroupFactor(
        "eln_risk", gettext_noop("ELN risk"), tuple(protocol.ElnRisk.choices), _baseline("eln_risk")
    ),
    SubgroupFactor(
        "regimen",
        gettext_noop("Salvage regimen"),
        (
            ("intensive", gettext_noop("Intensive (IC)")),
            ("azacitidine", gettext_noop("Azacitidine")),
        ),
        lambda facts: facts.regimen,
    ),
    SubgroupFactor(
        "disease_status",
        gettext_noop("Disease status"),
        (("refractory", gettext_noop("Refractory")), ("relapsed", gettext_noop("Relapsed"))),
        lambda facts: facts.disease_status,
    ),
)


def _deaths_only_when_alone(
    durations: np.ndarray, events: np.ndarray, treated: np.ndarray, arm: int
) -> bool:
    """Whether every death of `arm` (1 DEX, 0 CONTROL) happened while no patient of the other
    arm was still at risk (time ≥ the death's): the partial likelihood then keeps rising as
    the arm's hazard ratio grows, as when the other arm has no death at all."""
    died = (events != 0) & (treated == arm)
    other = durations[treated != arm]
    last_other = other.max() if len(other) else -np.inf
    return bool(np.all(durations[died] > last_other))


def _why_not_finite(durations: np.ndarray, events: np.ndarray, treated: np.ndarray) -> str:
    """The reason a Cox fit of the arm has no finite hazard ratio, in words that are true of
    these patients. Its likelihood has no maximum (monotone likelihood) when, at every death,
    the dying patient's arm is the 'riskiest' of those at risk: the deaths of one arm all come
    while only that arm is followed, those of the other arm (if any) likewise."""
    deaths = {arm: int(events[treated == arm].sum()) for arm in (0, 1)}
    if min(deaths.values()) == 0:
        return gettext_noop("Deaths in one arm only: the hazard ratio is not finite.")
    if any(_deaths_only_when_alone(durations, events, treated, arm) for arm in (0, 1)):
        return gettext_noop(
            "Deaths in both arms, but those of one arm all came after the other arm's last"
            " patient had left follow-up: the hazard ratio is not finite."
        )
    return gettext_noop("The Cox model of these patients reaches no finite hazard ratio.")


def _hazard_ratio(durations: np.ndarray, events: np.ndarray, treated: np.ndarray) -> dict:
    """The HR DEX vs CONTROL, or why these patients do not determine one."""
    counts = {
        TREATMENT: {"n": int(treated.sum()), "events": int(events[treated == 1].sum())},
        REFERENCE: {"n": int((treated == 0).sum()), "events": int(events[treated == 0].sum())},
    }
    figures: dict[str, Any] = {
        "n": len(durations),
        "events": int(events.sum()),
        "by_arm": counts,
        "coef": None,
        "se": None,
        "hr": None,
        "hr_lower": None,
        "hr_upper": None,
        "not_estimable": None,
    }
    if not len(durations):
        return {**figures, "not_estimable": gettext_noop("No patients.")}
    if not events.sum():
        return {
            **figures,
            "not_estimable": gettext_noop("No deaths: the hazard ratio is not estimable."),
        }
    if min(c["n"] for c in counts.values()) == 0:
        return {**figures, "not_estimable": gettext_noop("One arm only: nothing to compare.")}
    fit = cox_efron(durations, events, treated[:, None])
    se = float(np.sqrt(fit.variance[0, 0])) if fit.df else float("nan")
    if fit.separated or not np.isfinite(se):
        return {**figures, "not_estimable": _why_not_finite(durations, events, treated)}
    coef = float(fit.coef[0])
    with np.errstate(over="ignore"):
        interval = [float(np.exp(coef + k * Z_95 * se)) for k in (0, -1, 1)]
    if not np.isfinite(interval).all():  # JSON holds no infinity: said in words instead
        return {**figures, "not_estimable": gettext_noop("The confidence interval is not finite.")}
    return {
        **figures,
        "coef": coef,
        "se": se,
        "hr": interval[0],
        "hr_lower": interval[1],
        "hr_upper": interval[2],
    }


def _interaction(
    durations: np.ndarray,
    events: np.ndarray,
    treated: np.ndarray,
    levels: np.ndarray,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Likelihood-ratio test of arm × factor (R: anova of the two nested coxph fits).

    `levels` are the patients' levels, or their codes in `names`; the first level in
    alphabetical order is the reference, as R orders a factor's levels.
    """
    if levels.dtype.kind in "iu" and len(levels) and levels.min() >= 0 and levels.max() < 256:
        # Small codes (the worker's): counted, not sorted, two bytes a patient.
        present = np.flatnonzero(np.bincount(levels))
        index = np.zeros(int(present[-1]) + 1, dtype=np.int16)
        index[present] = np.arange(len(present))
        inverse = index[levels]
    else:
        found = np.unique(levels, return_inverse=True)  # one sort, no Python set
        present, inverse = found[0], found[1]
    if names is not None:  # codes: the levels ordered by their names
        rank = np.empty(len(present), dtype=np.int16)
        rank[np.argsort([names[code] for code in present.tolist()], kind="stable")] = np.arange(
            len(present)
        )
        inverse = rank[inverse]
    if len(present) < 2:
        return {
            "lr_chisq": None,
            "df": 0,
            "p": None,
            "not_estimable": gettext_noop("One level only."),
        }
    if not events.sum():
        return {"lr_chisq": None, "df": 0, "p": None, "not_estimable": gettext_noop("No deaths.")}
    # One design, arm | level dummies | arm × dummies; the reduced model is its first columns.
    others = len(present) - 1
    full = np.empty((len(durations), 1 + 2 * others), dtype=np.result_type(treated, np.int8))
    full[:, 0] = treated
    for level in range(1, len(present)):
        np.equal(inverse, level, out=full[:, level], casting="unsafe")
        np.multiply(treated, full[:, level], out=full[:, others + level])
    main = full[:, : 1 + others]
    reduced_fit, full_fit = cox_efron(durations, events, main), cox_efron(durations, events, full)
    df = full_fit.df - reduced_fit.df
    if df <= 0:
        return {
            "lr_chisq": None,
            "df": 0,
            "p": None,
            "not_estimable": gettext_noop(
                "No level holds both arms besides one: no interaction to test."
            ),
        }
    lr = max(2 * (full_fit.loglik - reduced_fit.loglik), 0.0)
    if not np.isfinite(lr):
        return {
            "lr_chisq": None,
            "df": df,
            "p": None,
            "not_estimable": gettext_noop("No finite likelihood."),
        }
    return {
        "lr_chisq": lr,
        "df": df,
        "p": float(chi2.sf(lr, df)),
        # As R, the test is still reported when a coefficient is infinite (a level without
        # deaths in one arm): the likelihood converges to its supremum; said beside it.
        "not_estimable": None,
        "separation": full_fit.separated or reduced_fit.separated,
    }


def _english(label: object) -> str:
    """A level's label as the run stores it: English, whatever the worker's language."""
    with translation.override("en"):
        return str(label)


def os_subgroups(
    os_rows: Sequence[TimeToEvent],
    facts_by_id: dict[str, PatientFacts],
    factors: Sequence[SubgroupFactor] = SUBGROUP_FACTORS,
) -> dict[str, Any]:
    """Return the subgroup analysis of OS: per factor its levels' HRs and the interaction p."""
    durations = np.array([r.days for r in os_rows], dtype=float)
    events = np.array([r.event for r in os_rows], dtype=int)
    patients = [facts_by_id[r.study_id] for r in os_rows]
    treated = np.array([p.arm == TREATMENT for p in patients], dtype=float)
    result: dict[str, Any] = {
        "parameter": "OS",
        "model": gettext_noop("Cox proportional hazards, Efron ties, unstratified; DEX vs CONTROL"),
        "interaction_test": gettext_noop("likelihood ratio, arm × factor"),
        "overall": _hazard_ratio(durations, events, treated),
        "factors": [],
    }
    for factor in factors:
        values = np.array([factor.read(p) for p in patients], dtype=object)
        known_values = {value for value, _ in factor.levels}
        known = np.array([v in known_values for v in values], dtype=bool)
        levels = []
        for value, label in factor.levels:
            inside = values == value
            levels.append(
                {
                    "level": value,
                    "label": _english(label),
                    **_hazard_ratio(durations[inside], events[inside], treated[inside]),
                }
            )
        result["factors"].append(
            {
                "code": factor.code,
                "label": factor.label,
                "n_unknown": int((~known).sum()),
                "levels": levels,
                "interaction": _interaction(
                    durations[known], events[known], treated[known], values[known].astype(str)
                ),
            }
        )
    return result
