"""The regulatory clock of a SUSAR, as pure functions of the sponsor's first knowledge.

ICH E2A and EU CT Regulation 536/2014 (article 42): a fatal or life-threatening SUSAR is
reported to the regulators (ANSM, EudraVigilance) within 7 days of the sponsor's first
knowledge, with a follow-up report within 8 more days (day 15); any other SUSAR within 15
days. Day 0 is the calendar day, in the trial's time zone (Europe/Paris), on which the sponsor
received the initial SAE report; the report is due by the end of day 7 (or 15) in that time
zone, whatever the hour of receipt and whatever daylight-saving change comes between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

FATAL_OR_LIFE_THREATENING_DAYS = 7
FOLLOW_UP_EXTRA_DAYS = 8
OTHER_SUSAR_DAYS = 15
# The beat task warns this long before a deadline (once per SUSAR).
DUE_SOON_WITHIN = dt.timedelta(hours=48)


class DeadlineKind(StrEnum):
    INITIAL = "initial"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class Deadline:
    """One report the regulators expect: its day (counted from day 0), the Paris calendar
    day it falls on, and the instant that day ends."""

    kind: DeadlineKind
    day: int
    due_on: dt.date
    due_at: dt.datetime

    @property
    def label(self) -> str:
        """The report's name as the notices' facts and the API give it (English)."""
        return "initial report" if self.kind is DeadlineKind.INITIAL else "follow-up report"

    @property
    def display_label(self) -> str:
        """The report's name as people read it on the pages, in their language."""
        if self.kind is DeadlineKind.INITIAL:
            return pgettext("SAE version", "initial report")
        return pgettext("SAE version", "follow-up report")


def trial_zone() -> ZoneInfo:
    """The trial's time zone (settings.TIME_ZONE, Europe/Paris by default)."""
    zone = timezone.get_default_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))


def day_zero(sponsor_received_at: dt.datetime, zone: ZoneInfo | None = None) -> dt.date:
    """Return the calendar day, in the trial's time zone, of the sponsor's first knowledge."""
    return sponsor_received_at.astimezone(zone or trial_zone()).date()


def end_of_day(day: dt.date, zone: ZoneInfo | None = None) -> dt.datetime:
    """Return the instant the calendar day ends in the zone: the next midnight there."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone or trial_zone())


def susar_deadlines(
    *,
    sponsor_received_at: dt.datetime,
    fatal_or_life_threatening: bool,
    zone: ZoneInfo | None = None,
) -> tuple[Deadline, ...]:
    """Return the reports due for a SUSAR: day 7 and the day-15 follow-up when fatal or
    life-threatening, day 15 otherwise."""
    zone = zone or trial_zone()
    start = day_zero(sponsor_received_at, zone)

    def deadline(kind: DeadlineKind, days: int) -> Deadline:
        due_on = start + dt.timedelta(days=days)
        return Deadline(kind=kind, day=days, due_on=due_on, due_at=end_of_day(due_on, zone))

    if fatal_or_life_threatening:
        return (
            deadline(DeadlineKind.INITIAL, FATAL_OR_LIFE_THREATENING_DAYS),
            deadline(DeadlineKind.FOLLOW_UP, FATAL_OR_LIFE_THREATENING_DAYS + FOLLOW_UP_EXTRA_DAYS),
        )
    return (deadline(DeadlineKind.INITIAL, OTHER_SUSAR_DAYS),)


class ClockState(StrEnum):
    RUNNING = "running"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REPORTED = "reported"
    REPORTED_LATE = "reported_late"


CLOCK_STATE_LABELS = {
    ClockState.RUNNING: pgettext_lazy("SUSAR clock", "running"),
    ClockState.DUE_SOON: pgettext_lazy("SUSAR clock", "due within 48 hours"),
    ClockState.OVERDUE: pgettext_lazy("SUSAR clock", "overdue"),
    ClockState.REPORTED: pgettext_lazy("SUSAR clock", "reported on time"),
    ClockState.REPORTED_LATE: pgettext_lazy("SUSAR clock", "reported late"),
}


def clock_state(
    deadline: Deadline, *, reported_at: dt.datetime | None, now: dt.datetime
) -> ClockState:
    """Return where a report stands against its deadline; reporting stops the clock."""
    if reported_at is not None:
        return ClockState.REPORTED if reported_at < deadline.due_at else ClockState.REPORTED_LATE
    if now >= deadline.due_at:
        return ClockState.OVERDUE
    if deadline.due_at - now <= DUE_SOON_WITHIN:
        return ClockState.DUE_SOON
    return ClockState.RUNNING
