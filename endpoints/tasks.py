"""Celery tasks of the analyses: thin, idempotent, given ids only."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from endpoints import selectors, services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="endpoints.analysis_run_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.ANALYSIS_MAX_ATTEMPTS,
    time_limit=settings.ANALYSIS_TIME_LIMIT_SECONDS,
    soft_time_limit=settings.ANALYSIS_TIME_LIMIT_SECONDS - 30,
)
def analysis_run_execute_task(self, run_id: int) -> None:
    """Compute one analysis run; on an error, retry while attempts remain.

    A message for a run another worker holds (a message delivered again because the pool
    process computing it died) comes back when that worker's lease would expire, and takes
    the run over if nobody renewed the lease.
    """
    try:
        computed = services.analysis_run_execute(run_id=run_id)
    except Exception as exc:
        from endpoints.models import AnalysisRun

        if AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).exists():
            raise self.retry(exc=exc, countdown=5) from exc
        raise
    if computed is None and not self.request.is_eager:
        lease_left = selectors.analysis_run_lease_left(run_id)
        if lease_left is not None:
            analysis_run_execute_task.apply_async((run_id,), countdown=lease_left + 1)


@shared_task(name="endpoints.analysis_runs_sweep")
def analysis_runs_sweep_task() -> int:
    """Put runs whose worker died back in the queue; send those the queue has not received."""
    return len(services.analysis_runs_sweep())


@shared_task(name="endpoints.analysis_nightly_refresh")
def analysis_nightly_refresh_task() -> int:
    return services.analysis_nightly_refresh().pk


@shared_task(name="endpoints.cohort_columns_refresh", ignore_result=True)
def cohort_columns_refresh_task() -> None:
    services.cohort_columns_refresh()


@worker_ready.connect
def _cohort_columns_refreshed_on_start(**_kwargs: object) -> None:
    """Queue the kept columns' refresh as a worker starts: after a deployment (the reading
    code changed) or a restart (the folder emptied), the first Recompute would otherwise
    read every patient."""
    if not settings.COHORT_CACHE_DIR:
        return
    try:
        cohort_columns_refresh_task.apply_async(expires=settings.ANALYSIS_TIME_LIMIT_SECONDS)
    except Exception:  # the worker runs without: the first run reads every patient
        logger.exception("Cohort columns' refresh not queued")
