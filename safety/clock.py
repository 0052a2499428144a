"""The 24-hour clock of an SAE's initial report: when it is due, and how it stands.

Pure functions of aware datetimes: the deadline is exactly 24 hours after the site became
aware, an interval of real time, so across a daylight-saving change it falls at another hour
on the trial's wall clock (aware 28 March 10:00 in Paris, due 29 March 11:00) and exactly 24
hours later in UTC. The deadline is shown in the trial's zone and in UTC, so nobody has to
convert.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from protocol.safety import SAE_INITIAL_REPORT_WITHIN

_FORMAT = "%d/%m/%Y %H:%M"


class ClockStatus(enum.StrEnum):
    ON_TIME = "due"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"


def _utc(moment: dt.datetime) -> dt.datetime:
    """Return the moment in UTC: Python adds and subtracts datetimes sharing a zone on the
    wall clock (10:00 + 24 h is 10:00 the next day even when that day has 23 hours), so the
    clock counts in UTC, where an hour is always an hour."""
    if moment.tzinfo is None:
        raise ValueError("The SAE clock counts aware datetimes only.")
    return moment.astimezone(dt.UTC)


def initial_due_at(site_aware_at: dt.datetime) -> dt.datetime:
    """Return when the initial report is due (in UTC): 24 hours after the site became aware."""
    return _utc(site_aware_at) + SAE_INITIAL_REPORT_WITHIN


def duration_text(duration: dt.timedelta) -> str:
    """Return a duration as hours and minutes (a part of a minute counts as a minute)."""
    seconds = abs(int(duration.total_seconds()))
    minutes = -(-seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class SaeClock:
    """Where an SAE's initial report stands against its 24-hour deadline."""

    due_at: dt.datetime
    status: ClockStatus
    # Time left before the deadline (negative once past it); for a submitted report, how far
    # before (positive) or after (negative) the deadline it came.
    margin: dt.timedelta
    zone: ZoneInfo

    @property
    def is_overdue(self) -> bool:
        return self.status is ClockStatus.OVERDUE

    @property
    def is_submitted(self) -> bool:
        return self.status in (ClockStatus.SUBMITTED, ClockStatus.SUBMITTED_LATE)

    @property
    def late_by(self) -> dt.timedelta | None:
        return -self.margin if self.status is ClockStatus.SUBMITTED_LATE else None

    @property
    def text(self) -> str:
        """Return the state as a coordinator reads it on the banner and in the lists."""
        duration = duration_text(self.margin)
        if self.status is ClockStatus.ON_TIME:
            # Translators: the SAE's 24-hour clock; duration is e.g. "3 h 05 min".
            return _("Initial report due in %(duration)s") % {"duration": duration}
        if self.status is ClockStatus.OVERDUE:
            return _("Initial report overdue by %(duration)s") % {"duration": duration}
        if self.status is ClockStatus.SUBMITTED_LATE:
            return _("Initial report submitted late by %(duration)s") % {"duration": duration}
        return _("Initial report submitted on time")

    @property
    def due_local_text(self) -> str:
        """Return the deadline on the trial's wall clock, with the zone's name."""
        local = self.due_at.astimezone(self.zone)
        return f"{local:{_FORMAT}} {local.tzname()} ({self.zone.key})"

    @property
    def due_utc_text(self) -> str:
        return f"{self.due_at.astimezone(dt.UTC):{_FORMAT}} UTC"


def sae_clock(
    *,
    site_aware_at: dt.datetime,
    submitted_at: dt.datetime | None,
    now: dt.datetime,
    zone: ZoneInfo,
) -> SaeClock:
    """Return the state of the initial report's clock at `now` (or at its submission)."""
    due_at = initial_due_at(site_aware_at)
    if submitted_at is not None:
        margin = due_at - _utc(submitted_at)
        late = margin < dt.timedelta(0)
        status = ClockStatus.SUBMITTED_LATE if late else ClockStatus.SUBMITTED
    else:
        margin = due_at - _utc(now)
        status = ClockStatus.OVERDUE if margin < dt.timedelta(0) else ClockStatus.ON_TIME
    return SaeClock(due_at=due_at, status=status, margin=margin, zone=zone)
