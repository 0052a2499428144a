"""The production commands of docker-compose.yml, started natively against the test database.

gunicorn serves the app, and a Celery worker on the real Redis broker runs a task that
changes the database: the same commands `docker compose up` runs.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from trialsite.tasks import sessions_clear_expired

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": _test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "false"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


@pytest.mark.django_db(transaction=True)
def test_it_serves_the_log_in_page_under_gunicorn():
    port = _free_port()
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "trialsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body, deadline = None, time.monotonic() + 30
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    assert r.status == 200
                    body = r.read().decode()
            except OSError:
                time.sleep(0.3)
    finally:
        output = _stop(process)
    assert body is not None, f"gunicorn did not answer:\n{output}"
    assert "Log in" in body


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_on_a_celery_worker_through_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the tests need REDIS_URL"
    expired = Session.objects.create(
        session_key="expired-session-key",
        session_data="x",
        expire_date=timezone.now() - dt.timedelta(days=1),
    )
    current = Session.objects.create(
        session_key="current-session-key",
        session_data="x",
        expire_date=timezone.now() + dt.timedelta(days=1),
    )
    worker = subprocess.Popen(
        [
            BIN / "celery",
            "-A",
            "trialsite",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        sessions_clear_expired.delay()
        deadline = time.monotonic() + 60
        while Session.objects.filter(pk=expired.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        output = _stop(worker)
    assert not Session.objects.filter(pk=expired.pk).exists(), f"worker output:\n{output}"
    assert Session.objects.filter(pk=current.pk).exists()


def test_it_schedules_only_tasks_the_worker_knows():
    from trialsite.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
