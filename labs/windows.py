"""The window of a treatment cycle for its blood counts and transfusions.

A cycle's window opens on its first day and closes the day before the next cycle starts;
the last cycle recorded is followed to its day `LAST_CYCLE_FOLLOWED_DAYS` (day 1 is its
start), long enough for the count recovery of an intensive induction (ELN 2017: usually
by day 42) and short enough that a count long after treatment is not taken for one of its.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

LAST_CYCLE_FOLLOWED_DAYS = 60


class Cycle(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def started_on(self) -> dt.date: ...


@dataclass(frozen=True)
class CycleWindow:
    number: int
    opens_on: dt.date
    closes_on: dt.date  # the last day, included

    def holds(self, day: dt.date) -> bool:
        return self.opens_on <= day <= self.closes_on


def cycle_windows(cycles: Sequence[Cycle]) -> dict[int, CycleWindow]:
    """Return each cycle's window by its number (cycles in any order)."""
    ordered = sorted(cycles, key=lambda c: c.number)
    windows = {}
    for cycle, following in zip(ordered, [*ordered[1:], None], strict=True):
        closes_on = (
            following.started_on - dt.timedelta(days=1)
            if following is not None
            else cycle.started_on + dt.timedelta(days=LAST_CYCLE_FOLLOWED_DAYS - 1)
        )
        windows[cycle.number] = CycleWindow(cycle.number, cycle.started_on, closes_on)
    return windows
