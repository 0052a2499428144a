"""A real Celery worker, as it starts, brings the kept columns up to date through the real
Redis broker: the first Recompute after a deployment or a restart finds them.

The worker runs against the pytest test database, as in tests/test_processes.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audit.models import ChainLink
from tests.endpoints.test_analysis_runs_on_a_worker import (
    _wait_until,
    broker,  # noqa: F401 (a fixture)
    celery_worker,
    trial,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_keeps_the_columns_as_it_starts(broker, trial, tmp_path):  # noqa: F811
    folder = tmp_path / "kept"
    head = ChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()

    with celery_worker(COHORT_CACHE_DIR=str(folder)) as worker:
        _wait_until(lambda: any(folder.glob("cohort-*.npz")), worker, "the kept columns")
        _wait_until(lambda: "Cohort columns kept" in worker.output, worker, "the refresh")

    (path,) = folder.glob("cohort-*.npz")
    with np.load(path) as stored:
        meta = json.loads(stored["meta"].tobytes())
        patients = stored["patient_ids"]
    assert meta["seq"] == head
    assert sorted(patients.tolist()) == sorted(r.patient_id for r in trial)
    assert f"Cohort columns kept up to link {head}: {len(trial)} patients" in worker.output
    assert "read again: every patient" in worker.output
    assert Path(path).stat().st_mode & 0o077 == 0
