"""Cumulative incidence of relapse, with death in remission as a competing event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RELAPSE, COMPETING_DEATH, CENSORED = 1, 2, 0


@dataclass(frozen=True)
class CumulativeIncidence:
    time: list[float]
    incidence: list[float]

    def at(self, t: float) -> float:
        value = 0.0
        for time, inc in zip(self.time, self.incidence, strict=True):
            if time > t:
                break
            value = inc
        return value


def cumulative_incidence(
    durations: Sequence[float] | np.ndarray,
    event_codes: Sequence[int] | np.ndarray,
    event_of_interest: int = RELAPSE,
) -> CumulativeIncidence:
    """Aalen-Johansen estimate: a competing event is not censoring (PROTOCOL.md).

    CIF(t) = Σ_{t_j ≤ t} S(t_j-) · d_j / n_j, with S the Kaplan-Meier of any event. Written
    out rather than taken from lifelines, whose AalenJohansenFitter breaks tied times by
    random jitter; here events of every kind at one time are counted together, as R does.
    """
    observed = np.asarray(durations, dtype=float)
    codes = np.asarray(event_codes, dtype=int)
    # Per distinct event time: those at risk (still observed then), events of any kind and
    # of interest, all at once over the sorted times (no pass over every patient per time).
    event = codes != CENSORED
    times_seen, inverse = np.unique(observed[event], return_inverse=True)
    any_event = np.bincount(inverse, minlength=len(times_seen))
    of_interest = np.bincount(
        inverse, weights=codes[event] == event_of_interest, minlength=len(times_seen)
    ).astype(np.int64)
    at_risk = len(observed) - np.searchsorted(np.sort(observed), times_seen, side="left")
    # S(t_j-), the Kaplan-Meier of any event just before each time; products and sums in
    # time order, as the estimate is defined (cumprod and cumsum add one term at a time).
    after = np.cumprod(1 - any_event / at_risk)
    before = np.concatenate(([1.0], after))[:-1]
    cif = np.cumsum(before * of_interest / at_risk)
    return CumulativeIncidence(time=[0.0, *times_seen.tolist()], incidence=[0.0, *cif.tolist()])
