"""Faults degrade, never 500 (issue 12 item 6).

A security and fault probe found: with Redis down every authenticated API call answered 500
(DRF's throttle reads the cache, which is Redis) and Recompute still said "queued"; after a
PostgreSQL restart 11 of the next 20 requests answered 500 (persistent connections were
reused without a health check). A dead worker's analysis run is in
tests/endpoints/test_analysis_run_lease.py.

Each test stops a Redis of its own (a redis-server on a free port, never the shared one) or
terminates only the connections of its own gunicorn to the test database.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.throttling import UserRateThrottle

from api.throttling import local_counts, redis_outage_log
from endpoints.models import AnalysisRun
from tests.endpoints.test_analysis_runs_on_a_worker import Worker, six_patients_in_one_stratum

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PATIENTS = "/api/v1/patients/"
ANALYSES = "/analyses/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of this test's own, on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client, deadline = redis.Redis.from_url(self.url), time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )


@contextlib.contextmanager
def gunicorn(**environment: str) -> Iterator[str]:
    """The production web server, one synchronous process (so one persistent database
    connection, reused by every request), against the test database; yields its address."""
    port = _free_port()
    process = subprocess.Popen(
        [
            *(BIN / "gunicorn", "trialsite.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "1", "--worker-class", "sync", "--timeout", "120"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **environment,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    address, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
    try:
        while True:
            try:
                requests.get(f"{address}/login/", timeout=30)  # the first loads the app
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
        print(output)  # shown by pytest when the test fails


def _logged_in_browser(user) -> requests.Session:
    """A browser holding a session of `user` (sessions live in PostgreSQL, not in Redis)."""
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return browser


def test_it_answers_the_api_with_redis_stopped_and_warns_once(
    own_redis, settings, client, data_manager, caplog
):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": own_redis.url},
    }
    redis_outage_log.reset()
    local_counts.clear()
    client.force_login(data_manager)
    assert client.get(PATIENTS).status_code == 200  # counted in Redis

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        answers = [client.get(PATIENTS).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    (warning,) = [r for r in caplog.records if r.name == "api.throttling"]
    assert warning.levelno == logging.WARNING
    assert "Redis is unreachable" in warning.getMessage()
    # Still throttled meanwhile: counted in this process's memory.
    key = UserRateThrottle.cache_format % {"scope": "user", "ident": data_manager.pk}
    assert len(local_counts.get(key)) == 3


@pytest.mark.django_db(transaction=True)
def test_it_records_a_recompute_while_the_queue_is_down_and_the_sweep_sends_it_when_back(
    own_redis, site_a, coordinator, statistician, tmp_path
):
    six_patients_in_one_stratum(site_a, coordinator)
    with gunicorn(REDIS_URL=own_redis.url) as address:
        browser = _logged_in_browser(statistician)
        page = browser.get(f"{address}{ANALYSES}")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        own_redis.stop()
        started = time.monotonic()
        answer = browser.post(f"{address}/analyses/recompute/", {"csrfmiddlewaretoken": token})
        print(f"Recompute, broker stopped: answered in {time.monotonic() - started:.2f} s")

    assert answer.status_code == 200  # the dashboard, after the redirect
    shown = html.unescape(answer.text)
    assert str(AnalysisRun.QUEUE_UNAVAILABLE) in shown
    assert "Analysis queued" not in shown
    assert "not yet sent to the workers" in shown
    run = AnalysisRun.objects.get()
    assert (run.status, run.sent_at, run.requested_by) == (
        AnalysisRun.Status.QUEUED,
        None,
        statistician,
    )

    # Redis is back (empty: the broker lost everything); a worker and its beat, which sweeps.
    own_redis.start()
    worker = Worker(
        "--beat",
        "--schedule",
        str(tmp_path / "beat"),
        REDIS_URL=own_redis.url,
        ANALYSIS_SWEEP_SECONDS="1",
    )
    try:
        deadline = time.monotonic() + 60
        while AnalysisRun.objects.get(pk=run.pk).status != AnalysisRun.Status.DONE:
            if time.monotonic() > deadline or worker.process.poll() is not None:
                pytest.fail(f"The run was never computed. Worker output:\n{worker.output}")
            time.sleep(0.2)
    finally:
        worker.stop()

    done = AnalysisRun.objects.get(pk=run.pk)
    assert (done.attempts, done.results["n_randomized"]) == (1, 6)
    assert done.sent_at is not None


def _connections_terminated(application_name: str) -> int:
    """Terminate this gunicorn's connections to the test database, as a PostgreSQL restart does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        (terminated,) = cursor.fetchone()
    # Until the backend has exited, its connection may still look alive.
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [application_name],
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.02)
    return terminated


@pytest.mark.django_db(transaction=True)
def test_it_answers_every_request_after_postgresql_dropped_the_connections(statistician):
    application_name = f"trialsite-faults-{os.getpid()}"
    with gunicorn(DB_CONN_MAX_AGE="600", PGAPPNAME=application_name) as address:
        browser = _logged_in_browser(statistician)
        assert browser.get(f"{address}{ANALYSES}").status_code == 200  # connection opened
        answers, terminated = [], 0
        for request in range(20):
            terminated += _connections_terminated(application_name)
            url = ANALYSES if request % 2 else "/api/v1/analysis-runs/"
            answers.append(browser.get(f"{address}{url}").status_code)

    assert answers == [200] * 20
    assert terminated == 20  # each request found its persistent connection gone
