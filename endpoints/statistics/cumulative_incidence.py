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
    times, incidence = [0.0], [0.0]
    survival, cif = 1.0, 0.0
    for t in np.unique(observed[codes != CENSORED]):
        at_risk = int((observed >= t).sum())
        at_t = observed == t
        of_interest = int((at_t & (codes == event_of_interest)).sum())
        any_event = int((at_t & (codes != CENSORED)).sum())
        cif += survival * of_interest / at_risk
        survival *= 1 - any_event / at_risk
        times.append(float(t))
        incidence.append(cif)
    return CumulativeIncidence(time=times, incidence=incidence)
