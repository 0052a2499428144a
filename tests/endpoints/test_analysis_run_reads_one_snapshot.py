"""A run reads the data's state, the locks and the patients in one snapshot: a write that
commits while the worker is deciding whether an identical run can be reused is in none of
them, so the run's fingerprint stands for exactly the data its results come from, and the
next run, seeing the write, computes afresh.

Transactional: the write commits on a connection of its own, as another user's would.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from audit.models import ChainLink
from endpoints import services
from endpoints.models import AnalysisRun
from tests.endpoints.test_analysis_runs_on_a_worker import (
    CUTOFF,
    _alive,
    trial,  # noqa: F401 (a fixture)
)
from tests.visits.builders import death_values
from visits.services import off_study_record

pytestmark = pytest.mark.django_db(transaction=True)


def _run() -> AnalysisRun:
    run = AnalysisRun.objects.create(
        cutoff=CUTOFF, strata_factors=services.analysis_strata_default()
    )
    services.analysis_run_execute(run_id=run.pk)
    return AnalysisRun.objects.get(pk=run.pk)


def _deaths(run: AnalysisRun) -> int:
    return run.results["endpoints"]["OS"]["pooled"]["events"]


def test_a_write_committed_while_the_worker_decides_is_in_neither_the_facts_nor_the_state(
    trial,  # noqa: F811 (the fixture imported above)
    coordinator,
    monkeypatch,
):
    survivor = _alive(trial)[0].patient
    deciding = services._identical_finished_run

    def a_death_committed_meanwhile(run, fingerprint):
        def die() -> None:
            try:
                off_study_record(
                    patient=survivor, user=coordinator, values=death_values(dt.date(2025, 5, 30))
                )
            finally:
                connection.close()  # this thread's own connection

        writer = threading.Thread(target=die)
        writer.start()
        writer.join()
        return deciding(run, fingerprint)

    monkeypatch.setattr(services, "_identical_finished_run", a_death_committed_meanwhile)
    during = _run()
    monkeypatch.setattr(services, "_identical_finished_run", deciding)
    after = _run()

    head = ChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert during.status == after.status == AnalysisRun.Status.DONE
    assert _deaths(during) == 2  # the two deaths before the write
    assert during.data_seq < head  # its state is the one before the write, as its facts
    assert after.served_from_id is None and after.fingerprint != during.fingerprint
    assert _deaths(after) == 3
    assert after.data_seq == head
