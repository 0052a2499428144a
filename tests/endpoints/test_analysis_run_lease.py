"""A dead worker's analysis run is taken over within a minute (issue 12 item 6).

The worker computing a run holds it by a lease it renews every third of
ANALYSIS_LEASE_SECONDS. When the worker dies the renewals stop: once the lease has expired,
the message delivered again (the pool process died, the worker put the message back) or the
sweep (every ANALYSIS_SWEEP_SECONDS) gives the run to another worker. Before, the run stayed
"running" until the 10-minute time limit and the next 5-minute sweep (about 14 minutes), and
a message delivered again was dropped. A worker that only stalled and lost its run writes
nothing: the attempt number is the claim's token.

Real workers on the real Redis broker, against the test database; the lease is 5 seconds here.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.db import connection, transaction

from endpoints import services
from endpoints.models import AnalysisRun
from randomization.models import Randomization
from tests.endpoints.test_analysis_runs_on_a_worker import (
    CUTOFF,
    Worker,
    _broker_emptied,
    six_patients_in_one_stratum,
)

pytestmark = pytest.mark.django_db(transaction=True)

Status = AnalysisRun.Status
LEASE = {"ANALYSIS_LEASE_SECONDS": "5"}
A_MINUTE = 60


@pytest.fixture
def broker():
    _broker_emptied()
    yield
    _broker_emptied()


@pytest.fixture
def trial(site_a, coordinator) -> list[Randomization]:
    return six_patients_in_one_stratum(site_a, coordinator)


def _status(run: AnalysisRun) -> str:
    return AnalysisRun.objects.values_list("status", flat=True).get(pk=run.pk)


def _wait_until(condition: Callable[[], bool], worker: Worker, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline or worker.process.poll() is not None:
            pytest.fail(f"Waited {seconds} s in vain for {what}. Worker output:\n{worker.output}")
        time.sleep(0.1)


def _randomizations_locked() -> None:
    """Hold a worker mid-run, as a long computation would: once it has claimed the run, its
    first read of the randomizations waits behind this lock (released at commit)."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Randomization._meta.db_table} IN ACCESS EXCLUSIVE MODE")


def _pool_process_of(worker: Worker) -> int:
    """The pid of the worker's pool process, the one computing (concurrency 1)."""
    children = Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children")
    (pid,) = children.read_text().split()
    return int(pid)


def test_it_lets_a_second_worker_take_over_the_run_of_a_killed_worker_within_a_minute(
    broker, trial, tmp_path
):
    run = services.analysis_run_request(cutoff=CUTOFF)
    with transaction.atomic():
        _randomizations_locked()
        doomed = Worker(**LEASE)
        try:
            _wait_until(lambda: _status(run) == Status.RUNNING, doomed, "the claim", 40)
        finally:
            doomed.kill()  # the whole worker, its message unacknowledged for 20 minutes
            doomed.stop()
    killed_at = time.monotonic()

    # A second worker, with the beat that runs the sweep every second; the test does nothing.
    second = Worker(
        "--beat", "--schedule", str(tmp_path / "beat"), ANALYSIS_SWEEP_SECONDS="1", **LEASE
    )
    try:
        _wait_until(
            lambda: _status(run) == Status.DONE, second, "the run taken over and done", A_MINUTE
        )
        taken_over_after = time.monotonic() - killed_at
    finally:
        second.stop()

    done = AnalysisRun.objects.get(pk=run.pk)
    assert (done.status, done.attempts, done.error) == (Status.DONE, 2, "")
    assert done.results["n_randomized"] == 6
    assert taken_over_after < A_MINUTE
    assert second.output.count(f"Analysis run {run.pk} done: attempt 2") == 1
    assert "done: attempt" not in doomed.output


def test_it_has_the_message_delivered_again_take_the_run_over_once_the_lease_expires(broker, trial):
    run = services.analysis_run_request(cutoff=CUTOFF)
    worker = Worker(**LEASE)  # no beat: no sweep
    try:
        with transaction.atomic():
            _randomizations_locked()
            _wait_until(lambda: _status(run) == Status.RUNNING, worker, "the claim", 40)
            # The pool process computing the run dies (out of memory, say); the worker lives
            # on and puts the message back (acks_late, reject_on_worker_lost).
            os.kill(_pool_process_of(worker), signal.SIGKILL)
        # Dropped before, as the run was marked running; now the message takes the run over
        # once the dead process's lease has expired (at once, or sent back until then).
        _wait_until(lambda: _status(run) == Status.DONE, worker, "the run done", A_MINUTE)
    finally:
        worker.stop()

    done = AnalysisRun.objects.get(pk=run.pk)
    assert (done.status, done.attempts) == (Status.DONE, 2)
    assert worker.output.count(f"Analysis run {run.pk} done: attempt 2") == 1


def test_it_keeps_a_stalled_worker_from_writing_over_the_run_taken_from_it(broker, trial, settings):
    run = services.analysis_run_request(cutoff=CUTOFF)
    stalled = services.analysis_run_claim(run.pk)
    # Its lease is live: nobody may take the run.
    assert (stalled, services.analysis_run_claim(run.pk)) == (1, None)

    lease_expired = AnalysisRun.objects.get(pk=run.pk).lease_expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(lease_expired):
        taking_over = services.analysis_run_claim(run.pk)
    assert taking_over == 2

    # The stalled worker wakes up: it cannot renew its lease, and its result is discarded.
    assert not services.analysis_run_lease_renew(run_id=run.pk, attempt=stalled)
    assert services.analysis_run_compute(run_id=run.pk, attempt=stalled) is None
    running = AnalysisRun.objects.get(pk=run.pk)
    assert (running.status, running.attempts, running.results) == (Status.RUNNING, 2, None)

    done = services.analysis_run_compute(run_id=run.pk, attempt=taking_over)
    assert (done.status, done.attempts, done.results["n_randomized"]) == (Status.DONE, 2, 6)
    assert services.analysis_run_compute(run_id=run.pk, attempt=stalled) is None
    assert AnalysisRun.objects.get(pk=run.pk).finished_at == done.finished_at


def test_it_fails_a_run_whose_worker_died_once_its_attempts_are_used_up(broker, settings):
    settings.ANALYSIS_MAX_ATTEMPTS = 1
    run = services.analysis_run_request(cutoff=CUTOFF)
    assert services.analysis_run_claim(run.pk) == 1
    lease_expired = AnalysisRun.objects.get(pk=run.pk).lease_expires_at + dt.timedelta(seconds=1)

    with time_machine.travel(lease_expired):
        # A late message does not take a run that has no attempt left: the sweep fails it.
        assert services.analysis_run_claim(run.pk) is None
        assert services.analysis_runs_sweep() == []

    failed = AnalysisRun.objects.get(pk=run.pk)
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)


@pytest.mark.parametrize(
    ("finished", "warned"),
    [
        # Its results stored, the worker draws the figures still within the lease: the
        # renewal that finds the run done is no lost lease.
        (Status.DONE, False),
        # Another worker's attempt holds the run: this one's result will not be written.
        (Status.RUNNING, True),
    ],
)
def test_the_lease_thread_warns_only_of_a_run_another_worker_took(
    settings, caplog, finished, warned
):
    settings.ANALYSIS_LEASE_SECONDS = 3  # renewed every second
    run = AnalysisRun.objects.create(
        cutoff=CUTOFF, strata_factors=["regimen"], status=finished, attempts=2
    )
    caplog.set_level("WARNING", logger="endpoints.services")

    with services.LeaseKept(run_id=run.pk, attempt=1):
        time.sleep(1.5)  # one renewal, refused: attempt 1 no longer holds the run

    lost = f"Analysis run {run.pk}: attempt 1 lost its lease to another worker"
    assert (lost in caplog.messages) is warned
