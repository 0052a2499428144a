"""The OS subgroups and cycle 1's myelosuppression of a cohort's columns.

The same figures as endpoints/subgroups.py and endpoints/myelosuppression.py compute from
patient facts (their fits, summaries, labels and tests are called from here), read from
columns so that the worker holds no object per patient. The tests hold the two equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from endpoints.cohort import LABELS, Cohort
from endpoints.cohort_derivations import Endpoint
from endpoints.myelosuppression import ARMS, MEASURES, _summary, wilcoxon_rank_sum_p
from endpoints.subgroups import SUBGROUP_FACTORS, _hazard_ratio, _interaction, os_subgroups


def os_subgroups_of(os: Endpoint, treated: np.ndarray, cohort: Cohort) -> dict[str, Any]:
    """subgroups.os_subgroups on columns: the overall HR, and per factor its levels' HRs and
    the arm × factor interaction test."""
    durations, events = os.days, os.event  # whole days and 0/1 as read: no float copies
    result = os_subgroups([], {}, factors=())  # the model's description, in its words
    result["overall"] = _hazard_ratio(durations, events, treated)
    for factor in SUBGROUP_FACTORS:
        # Compared as codes (a million string comparisons cost more than the fits).
        codes = cohort.codes(factor.code)[os.at]
        named = LABELS[factor.code]
        known = np.isin(codes, [named.index(v) for v, _ in factor.levels if v in named])
        levels = []
        for value, label in factor.levels:
            inside = codes == (named.index(value) if value in named else -1)
            levels.append(
                {
                    "level": value,
                    "label": str(label),
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
                    durations[known], events[known], treated[known], codes[known], names=named
                ),
            }
        )
    return result


def myelosuppression_of(cohort: Cohort, by_arm: dict[str, np.ndarray]) -> dict[str, Any]:
    """myelosuppression.myelosuppression on columns: each measure's median and IQR by arm and
    pooled, and the Wilcoxon p, over the patients with counts in cycle 1 (`by_arm`: each
    arm's patients, a mask)."""
    with_counts = cohort.has_counts if cohort.has_counts is not None else np.zeros(0, bool)
    counted = {arm: with_counts & by_arm[arm] for arm in ARMS}
    measures = {}
    for code, (label, _read) in MEASURES.items():
        value = cohort.measure_values[code]
        censored = cohort.measure_censored[code]
        values = {arm: value[counted[arm] & ~np.isnan(value)].astype(int).tolist() for arm in ARMS}
        not_reached = {arm: int((counted[arm] & censored).sum()) for arm in ARMS}
        measures[code] = {
            "label": label,
            "by_arm": {arm: _summary(values[arm], not_reached[arm]) for arm in ARMS},
            "wilcoxon_p": wilcoxon_rank_sum_p(*(values[arm] for arm in ARMS)),
            "pooled": _summary([v for arm in ARMS for v in values[arm]], sum(not_reached.values())),
        }
    return {"cycle": 1, "n": int(with_counts.sum()), "measures": measures}
