"""Cumulative incidence of relapse, with death in remission as a competing event."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from lifelines import AalenJohansenFitter

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


def cumulative_incidence(durations: Sequence[float], event_codes: Sequence[int],
                         event_of_interest: int = RELAPSE) -> CumulativeIncidence:
    """Aalen-Johansen estimate: a competing event is not censoring (PROTOCOL.md)."""
    durations = np.asarray(durations, dtype=float)
    codes = np.asarray(event_codes, dtype=int)
    if len(durations) == 0 or not (codes == event_of_interest).any():
        return CumulativeIncidence(time=[0.0], incidence=[0.0])
    fitter = AalenJohansenFitter(calculate_variance=False)
    with warnings.catch_warnings():
        # lifelines jitters tied event times with a warning; ties are broken as R does
        # (events of every kind at t are counted together), so the jitter is not needed.
        warnings.simplefilter("ignore")
        fitter.fit(durations, codes, event_of_interest=event_of_interest)
    series = fitter.cumulative_density_.iloc[:, 0]
    return CumulativeIncidence(time=[float(t) for t in series.index],
                               incidence=[float(v) for v in series.to_numpy()])
