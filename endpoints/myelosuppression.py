"""Myelosuppression and count recovery after cycle 1, by arm (PROTOCOL.md, Safety).

One value per patient: cycle 1 (the induction of intensive salvage, the first azacitidine
cycle), whose counts are derived by labs/derivations.py. The durations (days with ANC < 0.5
and with platelets < 50 ×10⁹/L) count every patient with counts in cycle 1; a recovery day
counts the patients who recovered, and the others are reported beside it as not reached
(death or counts stopped: censored, so their day is not a recovery day). Median and IQR
are numpy's linear quantiles (R's type 7, its default); arms are compared with the
Wilcoxon rank-sum test (scipy's Mann-Whitney U, two-sided, tie-corrected normal
approximation when ties or more than 8 values per arm, else exact). Imported patients carry
no counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop
from scipy.stats import mannwhitneyu

import protocol
from endpoints.datasets import PatientFacts
from labs.derivations import NOT_APPLICABLE, REACHED, CycleCounts, Recovery

ARMS = (protocol.Arm.DEX.value, protocol.Arm.CONTROL.value)


def _duration(value: Callable[[CycleCounts], int | None]):
    return lambda counts: (value(counts), False)


def _recovery(value: Callable[[CycleCounts], Recovery]):
    def read(counts: CycleCounts) -> tuple[int | None, bool]:
        recovery = value(counts)
        if recovery.status == REACHED:
            return recovery.day, False
        return None, recovery.status != NOT_APPLICABLE  # not reached: censored

    return read


# code: (label, how the value is read from a cycle's counts: (day or days, not reached));
# the label is stored in English, shown in the reader's language (`result_label` filter).
MEASURES: dict[str, tuple[str, Callable[[CycleCounts], tuple[int | None, bool]]]] = {
    "ANCL05D": (
        gettext_noop("Days with ANC < 0.5 ×10⁹/L"),
        _duration(lambda c: c.days_anc_below_0_5),
    ),
    "PLTL50D": (
        gettext_noop("Days with platelets < 50 ×10⁹/L"),
        _duration(lambda c: c.days_platelets_below_50),
    ),
    "ANCR05": (gettext_noop("Day of ANC recovery ≥ 0.5 ×10⁹/L"), _recovery(lambda c: c.anc_0_5)),
    "PLTR50": (
        gettext_noop("Day of platelet recovery ≥ 50 ×10⁹/L"),
        _recovery(lambda c: c.platelets_50),
    ),
}


def _summary(values: list[int], not_reached: int) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "q1": None, "q3": None, "not_reached": not_reached}
    q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))
    return {"n": len(values), "median": median, "q1": q1, "q3": q3, "not_reached": not_reached}


def wilcoxon_rank_sum_p(first: Sequence[int], second: Sequence[int]) -> float | None:
    """Return the two-sided Wilcoxon rank-sum p-value; None when an arm has no value or
    every value is the same (nothing to rank)."""
    if not first or not second or len({*first, *second}) < 2:
        return None
    return float(mannwhitneyu(first, second, alternative="two-sided").pvalue)


def myelosuppression(facts: Sequence[PatientFacts]) -> dict[str, Any]:
    """Return each measure's median and IQR by arm and pooled, and the Wilcoxon p."""
    with_counts = [f for f in facts if f.first_cycle_counts is not None]
    measures = {}
    for code, (label, read) in MEASURES.items():
        values: dict[str, list[int]] = {arm: [] for arm in ARMS}
        not_reached = dict.fromkeys(ARMS, 0)
        for patient in with_counts:
            assert patient.first_cycle_counts is not None
            value, censored = read(patient.first_cycle_counts)
            if value is not None:
                values[patient.arm].append(value)
            not_reached[patient.arm] += censored
        measures[code] = {
            "label": label,
            "by_arm": {arm: _summary(values[arm], not_reached[arm]) for arm in ARMS},
            "wilcoxon_p": wilcoxon_rank_sum_p(*(values[arm] for arm in ARMS)),
            "pooled": _summary([v for arm in ARMS for v in values[arm]], sum(not_reached.values())),
        }
    return {"cycle": 1, "n": len(with_counts), "measures": measures}


def myelosuppression_pooled(results: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the pooled figures only (a blinded reader's page)."""
    if not results:
        return None
    return {
        "cycle": results["cycle"],
        "n": results["n"],
        "measures": {
            code: {"label": m["label"], "pooled": m["pooled"]}
            for code, m in results["measures"].items()
        },
    }
