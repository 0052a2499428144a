"""Analysis runs computed by real Celery workers through the real Redis broker.

The page only records a run and queues it; `celery -A trialsite worker` claims and computes
it, holding it by a lease it renews. A worker killed mid-run leaves its run in `running`: the
sweep puts it back in the queue once its lease has expired, and a fresh worker completes it
(test_analysis_run_lease.py: within a minute, with no help from the test). A run that keeps failing
stops after ANALYSIS_MAX_ATTEMPTS, with the reason. Unchanged data are served by the worker
from the finished run (tests/endpoints/test_recompute_on_a_worker.py). Only one claim of
a run wins, so a message delivered twice does no harm.

The workers run against the pytest test database, as in tests/test_processes.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

import protocol
from endpoints import services
from endpoints.models import AnalysisRun
from endpoints.tasks import analysis_run_execute_task
from randomization.models import Randomization
from tests.factories import screen_patient
from tests.visits.builders import (
    RANDOMIZED_AT,
    death_values,
    randomize,
    record_cycle,
    record_end_of_treatment,
)
from trialsite.celery import app
from visits.services import off_study_record

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CUTOFF = dt.date(2025, 6, 2)
WAIT_SECONDS = 40
Status = AnalysisRun.Status


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A trialsite worker` in its own process group, its output read as it comes."""

    def __init__(self, *options: str, **environment: str) -> None:
        self.process = subprocess.Popen(
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
                *options,
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
            # Its own process group: a kill takes the pool's child process with it.
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def kill(self) -> None:
        """Die as a worker does when its machine is lost: no warm shutdown, no requeue."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: the current task is finished first
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._reader.join(timeout=5)


@contextlib.contextmanager
def celery_worker(*options: str, **environment: str) -> Iterator[Worker]:
    worker = Worker(*options, **environment)
    try:
        yield worker
    finally:
        worker.stop()


def _wait_until(condition: Callable[[], bool], worker: Worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline or worker.process.poll() is not None:
            pytest.fail(f"Waited in vain for {what}. Worker output:\n{worker.output}")
        time.sleep(0.05)


def _run(run: AnalysisRun) -> AnalysisRun:
    return AnalysisRun.objects.get(pk=run.pk)


def _status_is(run: AnalysisRun, status: str) -> Callable[[], bool]:
    return lambda: _run(run).status == status


def _broker_emptied() -> None:
    app.control.purge()
    # A killed worker never acknowledges its message: Redis would hand it out again after
    # the visibility timeout, to whatever test then runs a worker. Forget it.
    with app.connection_for_write() as broker_connection:
        channel = broker_connection.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.fixture
def broker():
    """The real Redis broker, emptied of the messages earlier tests left there."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the worker tests need REDIS_URL"
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "the worker tests need a real broker"
    _broker_emptied()
    yield app
    _broker_emptied()


@pytest.fixture
def trial(site_a, coordinator) -> list[Randomization]:
    return six_patients_in_one_stratum(site_a, coordinator)


def six_patients_in_one_stratum(site_a, coordinator) -> list[Randomization]:
    """Six patients randomized in one stratum; one death in each arm, the others treated
    until after both deaths, so the hazard ratio can be estimated."""
    randomizations = [
        randomize(
            screen_patient(site=site_a, user=coordinator),
            coordinator,
            at=RANDOMIZED_AT + dt.timedelta(hours=hour),
        )
        for hour in range(6)
    ]
    # Blocks of 2 and 4 give each arm at least 2 of 6 patients: one dies, one survives.
    deaths = {protocol.Arm.DEX: dt.date(2025, 4, 20), protocol.Arm.CONTROL: dt.date(2025, 5, 12)}
    for arm, died_on in deaths.items():
        patient = next(r.patient for r in randomizations if r.arm == arm)
        off_study_record(patient=patient, user=coordinator, values=death_values(died_on))
    for survivor in _alive(randomizations):
        record_cycle(survivor.patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
        record_cycle(survivor.patient, coordinator, dt.date(2025, 5, 14), dt.date(2025, 5, 18))
        record_end_of_treatment(survivor.patient, coordinator, dt.date(2025, 5, 19))
    return randomizations


def _alive(randomizations: list[Randomization]) -> list[Randomization]:
    return list(
        Randomization.objects.filter(
            pk__in=[r.pk for r in randomizations], patient__off_study__isnull=True
        ).select_related("patient")
    )


def test_it_computes_a_requested_run_on_a_worker(broker, trial, statistician):
    run = services.analysis_run_request(cutoff=CUTOFF, user=statistician)
    # The request only queued it: nothing is computed in the web process.
    assert (_run(run).status, _run(run).results) == (Status.QUEUED, None)

    with celery_worker() as worker:
        _wait_until(_status_is(run, Status.DONE), worker, "the worker to finish the run")

    run.refresh_from_db()
    assert (run.attempts, run.error, run.served_from) == (1, "", None)
    assert run.started_at <= run.finished_at
    results = run.results
    assert (results["cutoff"], results["n_randomized"]) == ("2025-06-02", 6)
    assert results["n_by_arm"] == Counter(r.arm for r in trial)
    overall = results["endpoints"]["OS"]
    assert {arm: (s["n"], s["events"]) for arm, s in overall["by_arm"].items()} == {
        arm: (n, 1) for arm, n in Counter(r.arm for r in trial).items()
    }
    assert (overall["pooled"]["n"], overall["pooled"]["events"]) == (6, 2)
    assert overall["comparison"]["unstratified"]["cox"]["hr"] > 0
    assert 0 < overall["comparison"]["unstratified"]["logrank"]["p"] <= 1
    for parameter in ("OS", "EFS"):
        for kind in ("by_arm", "pooled"):
            svg = run.figures[parameter][kind]
            assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>")
    assert "Salvage + dexamethasone" in run.figures["OS"]["by_arm"]
    assert "Salvage + dexamethasone" not in run.figures["OS"]["pooled"]


def test_it_requeues_the_run_of_a_killed_worker_and_a_fresh_worker_completes_it(broker, trial):
    run = services.analysis_run_request(cutoff=CUTOFF)
    with transaction.atomic():
        # Hold the worker mid-run, as a long computation would: once it has claimed the
        # run, its first read of the randomizations waits behind this lock.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Randomization._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with celery_worker() as doomed:
            _wait_until(_status_is(run, Status.RUNNING), doomed, "the worker to claim the run")
            doomed.kill()

    killed = _run(run)
    # Nobody is left to finish it or to put it back: the run stays as the worker left it.
    assert (killed.status, killed.attempts, killed.finished_at) == (Status.RUNNING, 1, None)
    # While its lease runs a live worker may still be computing it: the sweep waits.
    second = dt.timedelta(seconds=1)
    assert services.analysis_runs_sweep(now=killed.lease_expires_at - second) == []
    assert services.analysis_runs_sweep(now=killed.lease_expires_at + second) == [run.pk]
    requeued = _run(run)
    assert (requeued.status, requeued.error) == (
        Status.QUEUED,
        "Re-queued: the worker stopped before finishing.",
    )

    with celery_worker() as fresh:
        _wait_until(_status_is(run, Status.DONE), fresh, "a fresh worker to finish the run")
        finished = _run(run)
        # The message is delivered again (the killed worker never acknowledged its own):
        # the claim refuses a run that is done, so nothing happens.
        duplicate = analysis_run_execute_task.delay(run.pk)
        _wait_until(
            lambda: f"[{duplicate.id}] succeeded" in fresh.output,
            fresh,
            "the worker to handle the duplicate message",
        )

    assert (finished.attempts, finished.error, finished.results["n_randomized"]) == (2, "", 6)
    again = _run(run)
    assert (again.status, again.attempts, again.started_at, again.finished_at) == (
        Status.DONE,
        2,
        finished.started_at,
        finished.finished_at,
    )
    assert f"Analysis run {run.pk} is not waiting for a worker: nothing to do" in fresh.output


def test_it_fails_a_run_that_keeps_failing_after_the_allowed_attempts_with_the_reason(
    broker, trial
):
    run = services.analysis_run_request(cutoff=CUTOFF)
    with transaction.atomic():
        # The randomizations stay locked (a long migration, say) longer than the worker's
        # database lets a statement wait: every attempt fails the same way.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Randomization._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with celery_worker(
            ANALYSIS_MAX_ATTEMPTS="2", PGOPTIONS="-c statement_timeout=300"
        ) as worker:
            _wait_until(_status_is(run, Status.FAILED), worker, "the run to fail")

    failed = _run(run)
    assert failed.attempts == 2
    assert "canceling statement due to statement timeout" in failed.error
    assert failed.finished_at is not None
    assert (failed.results, failed.figures) == (None, None)
    assert "Retry in 5s" in worker.output  # the first failure went back to the queue


def test_it_fails_a_stuck_run_once_its_attempts_are_used_up(broker, settings):
    settings.ANALYSIS_MAX_ATTEMPTS = 2
    run = services.analysis_run_request(cutoff=CUTOFF)
    past_the_limit = dt.timedelta(seconds=settings.ANALYSIS_TIME_LIMIT_SECONDS + 1)

    assert services.analysis_run_claim(run.pk)  # attempt 1, whose worker dies
    assert services.analysis_runs_sweep(now=_run(run).started_at + past_the_limit) == [run.pk]
    assert services.analysis_run_claim(run.pk)  # attempt 2, whose worker dies too
    now = _run(run).started_at + past_the_limit
    assert services.analysis_runs_sweep(now=now) == []

    failed = _run(run)
    assert (failed.status, failed.attempts, failed.finished_at) == (Status.FAILED, 2, now)
    assert failed.error == (
        "Stopped after 2 attempts: the worker stopped before finishing (it died or ran past "
        "the time limit)."
    )
    assert not services.analysis_run_claim(run.pk)  # a late message cannot revive it


def test_it_serves_unchanged_data_from_the_finished_run_and_computes_a_new_one_after_a_death(
    broker, trial, coordinator, statistician
):
    first = services.analysis_run_request(cutoff=CUTOFF, user=statistician)
    with celery_worker() as worker:
        _wait_until(_status_is(first, Status.DONE), worker, "the worker to finish the run")
    first.refresh_from_db()

    # The request only queues; the worker finds the same data and reuses the finished run.
    again = services.analysis_run_request(cutoff=CUTOFF, user=statistician)
    assert (_run(again).status, _run(again).served_from) == (Status.QUEUED, None)
    with celery_worker() as worker:
        _wait_until(_status_is(again, Status.DONE), worker, "the worker to serve the run")
    again.refresh_from_db()
    assert (again.served_from, again.fingerprint, again.attempts) == (first, first.fingerprint, 1)
    assert (again.results, again.figures) == (first.results, first.figures)

    survivor = _alive(trial)[0].patient
    off_study_record(patient=survivor, user=coordinator, values=death_values(dt.date(2025, 5, 20)))
    after_death = services.analysis_run_request(cutoff=CUTOFF, user=statistician)
    with celery_worker() as worker:
        _wait_until(_status_is(after_death, Status.DONE), worker, "the worker to compute it")
    after_death.refresh_from_db()
    assert after_death.served_from is None
    assert after_death.fingerprint != first.fingerprint
    assert after_death.results["endpoints"]["OS"]["pooled"]["events"] == 3


def test_it_lets_only_one_of_two_simultaneous_claims_take_a_run(broker):
    run = services.analysis_run_request(cutoff=CUTOFF)
    start = threading.Barrier(2)
    outcomes: list[bool] = []

    def claim() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(services.analysis_run_claim(run.pk))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(attempt is not None for attempt in outcomes) == [False, True]
    claimed = _run(run)
    assert (claimed.status, claimed.attempts) == (Status.RUNNING, 1)
