"""Celery tasks of the data cuts: thin, idempotent, given ids only."""

from __future__ import annotations

from celery import shared_task

from datacuts import services


@shared_task(
    name="datacuts.data_cut_build",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=services.BUILD_TIME_LIMIT_SECONDS,
    soft_time_limit=services.BUILD_TIME_LIMIT_SECONDS - 60,
)
def data_cut_build_task(cut_id: int) -> str | None:
    """Freeze one data cut; a cut already frozen, failed or held by a live worker is left
    alone, so a message delivered twice does no harm."""
    cut = services.data_cut_build(cut_id=cut_id)
    return cut.sha256 if cut is not None else None


@shared_task(name="datacuts.data_cuts_sweep")
def data_cuts_sweep_task() -> int:
    """Send the cuts recorded while the queue was unavailable."""
    return len(services.data_cuts_sweep())
