"""Median follow-up by the reverse Kaplan-Meier method."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from endpoints.statistics.kaplan_meier import kaplan_meier


def median_follow_up(durations: Sequence[float], events: Sequence[int]) -> float | None:
    """Median potential follow-up: Kaplan-Meier with censoring as the event, death censored."""
    died = np.asarray(events, dtype=int)
    if len(died) == 0:
        return None
    return kaplan_meier(durations, (1 - died).tolist(), conf_type="plain").median
