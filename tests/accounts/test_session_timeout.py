"""Sessions end after 30 minutes without activity; activity keeps them alive."""

from __future__ import annotations

import datetime as dt

import time_machine

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
