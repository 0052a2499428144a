"""30- and 60-day mortality from randomization (the toxicity of adding a corticosteroid).

Randomization is day 0 (OS rows count days from it): a death on day 30 is a 30-day death, a
death on day 31 is not. Two figures per window, because a patient followed for less than the
window without dying (randomized shortly before the cut-off, lost to follow-up) has an
unknown status at its end:
- the crude proportion: deaths within the window among all randomized patients, with an
  exact (Clopper-Pearson) CI; such a patient counts as alive, so it is a lower bound, and
  their number is given beside it (`censored_before`);
- the Kaplan-Meier estimate 1 - S(day), which lets them contribute up to their last day
  known alive, with the 95% CI of S (log-log) turned over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import protocol
from endpoints.datasets import PatientFacts, TimeToEvent
from endpoints.statistics.kaplan_meier import kaplan_meier
from endpoints.statistics.response_rates import clopper_pearson

MORTALITY_WINDOWS_DAYS = (30, 60)
CONF_TYPE = "log-log"


def _mortality(days: np.ndarray, events: np.ndarray) -> dict[str, Any] | None:
    if not len(days):
        return None
    km = kaplan_meier(days, events, conf_type=CONF_TYPE)
    windows = {}
    for day in MORTALITY_WINDOWS_DAYS:
        deaths = int(((events != 0) & (days <= day)).sum())
        lower_s, upper_s = km.confidence_at(day)
        windows[str(day)] = {
            "day": day,
            "deaths": deaths,
            "censored_before": int(((events == 0) & (days < day)).sum()),
            "crude": clopper_pearson(deaths, len(days)).__dict__,
            "km": {
                "estimate": 1 - km.survival_at(day),
                "lower": None if upper_s is None else 1 - upper_s,
                "upper": None if lower_s is None else 1 - lower_s,
                "conf_type": CONF_TYPE,
            },
        }
    return {"n": len(days), "windows": windows}


def early_mortality_of(days: np.ndarray, events: np.ndarray, arms: np.ndarray) -> dict[str, Any]:
    """Return 30- and 60-day mortality, pooled and by arm (the by-arm part is comparative),
    of OS rows given as columns: days, event and each row's arm."""
    return {
        "pooled": _mortality(days, events),
        "by_arm": {
            arm: _mortality(days[arms == arm], events[arms == arm])
            for arm in (protocol.Arm.DEX.value, protocol.Arm.CONTROL.value)
        },
    }


def early_mortality(
    os_rows: Sequence[TimeToEvent], facts_by_id: dict[str, PatientFacts]
) -> dict[str, Any]:
    """Return 30- and 60-day mortality of OS rows, pooled and by arm."""
    return early_mortality_of(
        np.array([r.days for r in os_rows], dtype=int),
        np.array([r.event for r in os_rows], dtype=int),
        np.array([facts_by_id[r.study_id].arm for r in os_rows], dtype=object),
    )
