"""A data cut is frozen by a real Celery worker through the real Redis broker: the request
only records and queues it (tests/endpoints/test_analysis_runs_on_a_worker.py's worker)."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.utils import timezone

from datacuts import services
from datacuts.models import DataCut, DataCutPackage
from tests.endpoints.test_analysis_runs_on_a_worker import (
    _broker_emptied,
    _wait_until,
    celery_worker,
)
from tests.factories import screen_patient
from tests.visits.builders import randomize

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker():
    """The real Redis broker, emptied of the messages earlier tests left there."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the worker test needs REDIS_URL"
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "the worker test needs a real broker"
    _broker_emptied()
    yield
    _broker_emptied()


def test_the_request_queues_and_a_worker_freezes_the_cut(broker, site_a, coordinator, statistician):
    randomize(screen_patient(site=site_a, user=coordinator), coordinator)
    cut = services.data_cut_freeze(
        user=statistician, cutoff=timezone.localdate(), label="On a worker"
    )
    # Recorded and sent: nothing of the package is built in the web process.
    cut.refresh_from_db()
    assert (cut.status, cut.sha256, cut.sent_at is not None) == ("queued", "", True)
    assert not DataCutPackage.objects.exists()

    with celery_worker() as worker:
        _wait_until(
            lambda: DataCut.objects.get(pk=cut.pk).status in ("frozen", "failed"),
            worker,
            "the worker to freeze the cut",
        )

    cut.refresh_from_db()
    assert cut.status == DataCut.Status.FROZEN, cut.error
    content = bytes(DataCutPackage.objects.get(cut=cut).content)
    assert hashlib.sha256(content).hexdigest() == cut.sha256
    assert len(cut.fingerprint) == 64 and cut.code_version
