"""The SUSAR's regulatory clock: day 0 is the Paris calendar day the sponsor received the
initial report; 7 days when fatal or life-threatening with the follow-up on day 15, 15 days
otherwise; each due by the end of its day in Europe/Paris."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pharmacovigilance.deadlines import (
    ClockState,
    DeadlineKind,
    clock_state,
    day_zero,
    susar_deadlines,
)

PARIS = ZoneInfo("Europe/Paris")


def test_a_fatal_susar_is_due_on_day_7_with_its_follow_up_on_day_15():
    received = dt.datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)

    initial, follow_up = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=True, zone=PARIS
    )

    assert (initial.kind, initial.day, initial.due_on) == (
        DeadlineKind.INITIAL,
        7,
        dt.date(2025, 6, 9),
    )
    assert (follow_up.kind, follow_up.day, follow_up.due_on) == (
        DeadlineKind.FOLLOW_UP,
        15,
        dt.date(2025, 6, 17),
    )
    # By the end of the day in Paris: midnight Paris, 22:00 UTC in summer time.
    assert initial.due_at == dt.datetime(2025, 6, 10, 0, 0, tzinfo=PARIS)
    assert initial.due_at.astimezone(dt.UTC) == dt.datetime(2025, 6, 9, 22, 0, tzinfo=dt.UTC)


def test_any_other_susar_is_due_on_day_15_with_no_follow_up_deadline():
    received = dt.datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)

    (initial,) = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=False, zone=PARIS
    )

    assert (initial.day, initial.due_on) == (15, dt.date(2025, 6, 17))


def test_day_0_is_the_paris_calendar_day_not_the_utc_one():
    # 23:30 UTC on 1 June is 01:30 on 2 June in Paris: day 0 is 2 June.
    received = dt.datetime(2025, 6, 1, 23, 30, tzinfo=dt.UTC)

    assert day_zero(received, PARIS) == dt.date(2025, 6, 2)
    (initial, _) = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=True, zone=PARIS
    )
    assert initial.due_on == dt.date(2025, 6, 9)


def test_the_deadline_ends_at_midnight_paris_across_the_daylight_saving_change():
    # Received on 24 March 2025 (winter time); day 7 is 31 March, after the change of 30 March.
    received = dt.datetime(2025, 3, 24, 18, 0, tzinfo=PARIS)

    initial, _ = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=True, zone=PARIS
    )

    assert initial.due_on == dt.date(2025, 3, 31)
    assert initial.due_at.astimezone(dt.UTC) == dt.datetime(2025, 3, 31, 22, 0, tzinfo=dt.UTC)


def test_the_clock_runs_warns_48_hours_before_and_is_overdue_after_the_day_ends():
    received = dt.datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)
    initial, _ = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=True, zone=PARIS
    )
    end = initial.due_at  # 10 June 00:00 Paris

    assert clock_state(initial, reported_at=None, now=end - dt.timedelta(hours=49)) == (
        ClockState.RUNNING
    )
    assert clock_state(initial, reported_at=None, now=end - dt.timedelta(hours=47)) == (
        ClockState.DUE_SOON
    )
    assert clock_state(initial, reported_at=None, now=end - dt.timedelta(minutes=1)) == (
        ClockState.DUE_SOON
    )
    assert clock_state(initial, reported_at=None, now=end) == ClockState.OVERDUE


def test_reporting_stops_the_clock_on_time_or_late():
    received = dt.datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)
    (initial,) = susar_deadlines(
        sponsor_received_at=received, fatal_or_life_threatening=False, zone=PARIS
    )
    much_later = initial.due_at + dt.timedelta(days=30)

    on_time = dt.datetime(2025, 6, 17, 23, 59, tzinfo=PARIS)
    late = dt.datetime(2025, 6, 18, 0, 1, tzinfo=PARIS)
    assert clock_state(initial, reported_at=on_time, now=much_later) == ClockState.REPORTED
    assert clock_state(initial, reported_at=late, now=much_later) == ClockState.REPORTED_LATE
