"""Recompute answers at once; the worker reads the data and reuses an identical finished run.

The page's request only records the run and queues it: it reads nothing of the trial, so it
answers while the run is still queued, and the worker finishes it afterwards (asserted by
the run's status, not by timing). The worker reads the data's fingerprint first, and serves
the run from a finished run of the same parameters and data, recording which one; a write
in between, or other parameters, and it computes afresh.

Real `celery -A trialsite worker` processes on the real Redis broker, against the test
database (tests/endpoints/test_analysis_runs_on_a_worker.py).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from endpoints import services
from endpoints.models import AnalysisRun
from randomization.models import Randomization
from tests.endpoints.test_analysis_runs_on_a_worker import (
    _alive,
    _broker_emptied,
    _run,
    _status_is,
    _wait_until,
    celery_worker,
    six_patients_in_one_stratum,
)
from tests.visits.builders import death_values
from visits.services import off_study_record

pytestmark = pytest.mark.django_db(transaction=True)

Status = AnalysisRun.Status
RECOMPUTE = reverse("analysis-recompute")
DASHBOARD = reverse("analysis-dashboard")


@pytest.fixture
def broker():
    """The real Redis broker, emptied of the messages earlier tests left there."""
    _broker_emptied()
    yield
    _broker_emptied()


@pytest.fixture
def trial(site_a, coordinator) -> list[Randomization]:
    return six_patients_in_one_stratum(site_a, coordinator)


def _status(client, run: AnalysisRun) -> str:
    """The run's status as the page's polling reads it."""
    return client.get(reverse("analysis-status", args=[run.pk])).json()["status"]


def _recompute(client) -> AnalysisRun:
    before = set(AnalysisRun.objects.values_list("pk", flat=True))
    assert client.post(RECOMPUTE).status_code == 302
    return AnalysisRun.objects.exclude(pk__in=before).get()


class RandomizationsHeld:
    """Hold the randomizations table from another connection, as a long write would: a
    worker that reads the trial waits behind it; a request that reads nothing of it does not.
    """

    def __init__(self) -> None:
        self.taken, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                table = Randomization._meta.db_table
                cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                self.taken.set()
                self.release.wait(timeout=60)
        finally:
            connection.close()

    def __enter__(self) -> RandomizationsHeld:
        self.thread.start()
        assert self.taken.wait(timeout=10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.thread.join(timeout=20)


def test_the_recompute_answers_while_its_run_is_queued_and_a_worker_finishes_it_later(
    client, broker, trial, statistician
):
    client.force_login(statistician)

    run = _recompute(client)

    # The answer came with the run queued: no worker had even started.
    assert (_status(client, run), _run(run).results, _run(run).fingerprint) == ("queued", None, "")
    polled = reverse("analysis-status", args=[run.pk])
    assert f'data-status-url="{polled}"' in client.get(DASHBOARD).content.decode()
    with celery_worker() as worker:
        _wait_until(_status_is(run, Status.DONE), worker, "the worker to finish the run")
    done = _run(run)
    assert (done.results["n_randomized"], done.served_from, len(done.fingerprint)) == (6, None, 64)
    assert done.data_seq is not None
    assert _status(client, run) == "done"


def test_the_recompute_answers_while_a_live_worker_is_still_reading_the_trial(
    client, broker, trial, statistician
):
    client.force_login(statistician)
    with celery_worker() as worker:
        with RandomizationsHeld() as held:
            run = _recompute(client)
            # Answered while the worker waits to read the trial: the request read none of it.
            assert not held.release.is_set()
            assert _status(client, run) in ("queued", "running")
            _wait_until(_status_is(run, Status.RUNNING), worker, "the worker to claim the run")
            assert _status(client, run) == "running"
        _wait_until(_status_is(run, Status.DONE), worker, "the worker to finish the run")

    assert _run(run).results["n_randomized"] == 6


def test_the_worker_reuses_an_identical_finished_run_and_computes_afresh_after_a_write(
    client, broker, trial, coordinator, statistician
):
    client.force_login(statistician)
    with celery_worker() as worker:
        first = _recompute(client)
        _wait_until(_status_is(first, Status.DONE), worker, "the first run")
        again = _recompute(client)
        assert _status(client, again) in ("queued", "running", "done")  # the worker decides
        _wait_until(_status_is(again, Status.DONE), worker, "the same data's run")

        survivor = _alive(trial)[0].patient
        off_study_record(
            patient=survivor, user=coordinator, values=death_values(dt.date(2025, 5, 20))
        )
        after_death = _recompute(client)
        _wait_until(_status_is(after_death, Status.DONE), worker, "the run after a death")

    first, again, after_death = _run(first), _run(again), _run(after_death)
    # Served from the first run: same parameters and data, its results and figures reused.
    assert (again.served_from, again.fingerprint, again.data_seq) == (
        first,
        first.fingerprint,
        first.data_seq,
    )
    assert (again.results, again.figures) == (first.results, first.figures)
    assert f"Analysis run {again.pk} done: served from run {first.pk}" in worker.output
    # A death since: another fingerprint, computed afresh, and the death counted.
    assert after_death.served_from is None
    assert after_death.fingerprint != first.fingerprint
    assert after_death.data_seq > first.data_seq
    deaths = [
        r["endpoints"]["OS"]["pooled"]["events"] for r in (first.results, after_death.results)
    ]
    assert deaths == [2, 3]
    page = client.get(DASHBOARD).content.decode()
    assert 'id="run-stale"' not in page and "up to date with the data" in page


def test_the_worker_does_not_reuse_a_run_of_other_strata_or_ties(broker, trial, statistician):
    with celery_worker() as worker:
        by_regimen = services.analysis_run_request(
            cutoff=dt.date(2025, 6, 2), strata_factors=["regimen"], user=statistician
        )
        _wait_until(_status_is(by_regimen, Status.DONE), worker, "the run by regimen")
        unstratified = services.analysis_run_request(
            cutoff=dt.date(2025, 6, 2), strata_factors=[], user=statistician
        )
        breslow = services.analysis_run_request(
            cutoff=dt.date(2025, 6, 2), strata_factors=["regimen"], ties="breslow"
        )
        for run in (unstratified, breslow):
            _wait_until(_status_is(run, Status.DONE), worker, "the other parameters' run")

    runs = [_run(r) for r in (by_regimen, unstratified, breslow)]
    assert [r.served_from for r in runs] == [None, None, None]
    assert len({r.fingerprint for r in runs}) == 3
    assert len({r.data_seq for r in runs}) == 1  # the same data
    assert runs[2].results["endpoints"]["OS"]["comparison"]["unstratified"]["cox"]["ties"] == (
        "breslow"
    )
