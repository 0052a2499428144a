"""The initial report is due 24 hours after the site became aware: exactly 24 hours of real
time, so across a daylight-saving change the deadline moves by an hour on the Paris clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from safety.clock import ClockStatus, duration_text, initial_due_at, sae_clock

PARIS = ZoneInfo("Europe/Paris")
AWARE = dt.datetime(2025, 6, 2, 9, 30, tzinfo=PARIS)


def _clock(now: dt.datetime | None = None, submitted_at: dt.datetime | None = None):
    return sae_clock(site_aware_at=AWARE, submitted_at=submitted_at, now=now or AWARE, zone=PARIS)


def test_it_is_due_with_a_minute_left_at_23_h_59():
    clock = _clock(now=AWARE + dt.timedelta(hours=23, minutes=59))

    assert clock.status is ClockStatus.ON_TIME
    assert clock.text == "Initial report due in 0 h 01 min"


def test_it_is_overdue_by_a_minute_at_24_h_01():
    clock = _clock(now=AWARE + dt.timedelta(hours=24, minutes=1))

    assert clock.is_overdue
    assert clock.text == "Initial report overdue by 0 h 01 min"


def test_it_is_still_on_time_at_exactly_24_h():
    assert _clock(now=AWARE + dt.timedelta(hours=24)).status is ClockStatus.ON_TIME


def test_it_says_hours_and_minutes_left():
    clock = _clock(now=AWARE + dt.timedelta(hours=2, minutes=45))

    assert clock.text == "Initial report due in 21 h 15 min"


def test_it_shows_the_deadline_in_paris_and_in_utc():
    clock = _clock()

    assert clock.due_local_text == "03/06/2025 09:30 CEST (Europe/Paris)"
    assert clock.due_utc_text == "03/06/2025 07:30 UTC"


def test_across_the_spring_change_the_deadline_is_an_hour_later_on_the_paris_clock():
    # Clocks go forward at 02:00 on Sunday 29 March 2026: that day has 23 hours.
    aware = dt.datetime(2026, 3, 28, 10, 0, tzinfo=PARIS)

    due = initial_due_at(aware)

    assert due.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2026, 3, 29, 11, 0)
    assert due.astimezone(dt.UTC) - aware.astimezone(dt.UTC) == dt.timedelta(hours=24)
    clock = sae_clock(site_aware_at=aware, submitted_at=None, now=aware, zone=PARIS)
    assert clock.due_local_text == "29/03/2026 11:00 CEST (Europe/Paris)"
    assert clock.due_utc_text == "29/03/2026 09:00 UTC"


def test_across_the_autumn_change_the_deadline_is_an_hour_earlier_on_the_paris_clock():
    # Clocks go back at 03:00 on Sunday 25 October 2026: that day has 25 hours.
    aware = dt.datetime(2026, 10, 24, 10, 0, tzinfo=PARIS)

    due = initial_due_at(aware)

    assert due.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2026, 10, 25, 9, 0)
    assert due.astimezone(dt.UTC) - aware.astimezone(dt.UTC) == dt.timedelta(hours=24)
    clock = sae_clock(site_aware_at=aware, submitted_at=None, now=aware, zone=PARIS)
    assert clock.due_local_text == "25/10/2026 09:00 CET (Europe/Paris)"
    assert clock.due_utc_text == "25/10/2026 08:00 UTC"


def test_across_the_spring_change_23_h_59_of_real_time_is_still_on_time():
    aware = dt.datetime(2026, 3, 28, 10, 0, tzinfo=PARIS)
    # 10:59 on the Paris clock the next day, yet only 23 h 59 min later.
    now = dt.datetime(2026, 3, 29, 10, 59, tzinfo=PARIS)

    clock = sae_clock(site_aware_at=aware, submitted_at=None, now=now, zone=PARIS)

    assert clock.text == "Initial report due in 0 h 01 min"


def test_a_report_submitted_in_time_is_on_time_whenever_it_is_read():
    clock = _clock(now=AWARE + dt.timedelta(days=10), submitted_at=AWARE + dt.timedelta(hours=20))

    assert clock.status is ClockStatus.SUBMITTED
    assert clock.text == "Initial report submitted on time"
    assert clock.late_by is None


def test_a_report_submitted_after_the_deadline_says_by_how_much():
    clock = _clock(submitted_at=AWARE + dt.timedelta(hours=26, minutes=30))

    assert clock.status is ClockStatus.SUBMITTED_LATE
    assert clock.text == "Initial report submitted late by 2 h 30 min"
    assert clock.late_by == dt.timedelta(hours=2, minutes=30)


def test_a_part_of_a_minute_counts_as_a_minute():
    assert duration_text(dt.timedelta(seconds=1)) == "0 h 01 min"
    assert duration_text(dt.timedelta(hours=50, seconds=1)) == "50 h 01 min"


def test_it_refuses_a_naive_time():
    with pytest.raises(ValueError):
        initial_due_at(dt.datetime(2025, 6, 2, 9, 30))
