"""Median follow-up by the reverse Kaplan-Meier method."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from endpoints.statistics.kaplan_meier import KaplanMeier, kaplan_meier


def reverse_kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[int] | np.ndarray,
    *,
    conf_type: str = "log",
) -> KaplanMeier:
    """Kaplan-Meier of the time to censoring: being censored is the event, a death censors.

    R: survfit(Surv(time, 1 - died) ~ 1), whose default conf.type is "log"; the median and
    its interval follow quantile.survfit, as for the survival curves.
    """
    died = np.asarray(events)
    died = died if died.dtype.kind in "iub" else died.astype(int)
    return kaplan_meier(durations, died != 1, conf_type=conf_type)  # 1 - died, not 0


def median_follow_up(
    durations: Sequence[float] | np.ndarray, events: Sequence[int] | np.ndarray
) -> float | None:
    """Median potential follow-up: Kaplan-Meier with censoring as the event, death censored."""
    if len(events) == 0:
        return None
    return reverse_kaplan_meier(durations, events).median
