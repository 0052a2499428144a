"""Time stamps as people read them: the trial's time with its zone, UTC beside it.

Stored in UTC, shown in the trial's zone (settings.TIME_ZONE, Europe/Paris) with its
abbreviation (CET in winter, CEST in summer), so nobody has to guess which clock a time
was read on; the UTC time goes in a hover title, or beside it where the audit trail needs
both. Exports and the API stay ISO 8601 and do not use this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class TimeStamp:
    local: str  # "02/12/2026 20:38 CET"
    utc: str  # "02/12/2026 19:38 UTC"
    iso: str  # "2026-12-02T19:38:00+00:00", for <time datetime>
    date: str  # "02/12/2026", the local date
    time: str  # "20:38", the local time
    zone: str  # "CET"
    utc_time: str  # "19:38"


def time_stamp(value: dt.datetime) -> TimeStamp:
    """Return a stored (aware) time stamp read in the trial's zone and in UTC.

    A naive value is taken as the trial's time, as Django's forms would read it.
    """
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    local = value.astimezone(timezone.get_default_timezone())
    utc = value.astimezone(dt.UTC)
    zone = local.tzname() or str(timezone.get_default_timezone())
    return TimeStamp(
        local=f"{local:%d/%m/%Y %H:%M} {zone}",
        utc=f"{utc:%d/%m/%Y %H:%M} UTC",
        iso=utc.replace(microsecond=0).isoformat(),
        date=f"{local:%d/%m/%Y}",
        time=f"{local:%H:%M}",
        zone=zone,
        utc_time=f"{utc:%H:%M}",
    )
