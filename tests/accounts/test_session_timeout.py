"""Sessions end after 30 minutes without activity; activity keeps them alive, the session
written at most once a minute rather than on every request."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def test_it_logs_out_after_30_idle_minutes(client, coordinator):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(coordinator)
        assert client.get("/").status_code == 200

        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_keeps_an_active_session_alive_past_30_minutes(client, coordinator):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(coordinator)
        for _ in range(3):
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/").status_code == 200


def _session_writes(client, path: str = "/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(
        q["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"'))
        for q in queries.captured_queries
    )


def test_it_writes_the_session_at_most_once_a_minute(client, coordinator, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(coordinator)
        first = _session_writes(client)
        clock.shift(dt.timedelta(seconds=settings.SESSION_REFRESH_SECONDS - 1))
        within_the_minute = _session_writes(client)
        clock.shift(dt.timedelta(seconds=1))
        a_minute_on = _session_writes(client)

    assert (first, within_the_minute, a_minute_on) == (1, 0, 1)


def test_an_expiry_pushed_a_minute_ago_at_most_still_ends_the_session(client, coordinator):
    """Activity within the minute after a refresh does not push the expiry: the session ends
    30 minutes after that refresh, within a minute of 30 idle minutes."""
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(coordinator)
        assert client.get("/").status_code == 200  # the expiry pushed to 9:30
        clock.shift(dt.timedelta(seconds=50))
        assert client.get("/").status_code == 200  # not pushed
        clock.shift(dt.timedelta(minutes=30) - dt.timedelta(seconds=49))
        response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_visitor_not_logged_in_gets_no_session(client, db):
    assert client.get("/login/").status_code == 200

    assert not Session.objects.exists()
