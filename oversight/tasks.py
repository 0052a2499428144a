"""Celery tasks of the oversight app: thin, idempotent, given ids only."""

from __future__ import annotations

from celery import shared_task

from oversight import services


@shared_task(name="oversight.consort_figure_draw", acks_late=True, reject_on_worker_lost=True)
def consort_figure_draw_task(figure_id: int, language: str | None = None) -> str:
    """Draw one CONSORT figure (SVG and PNG) in the requesting reader's language; a figure
    already drawn is left alone."""
    return services.consort_figure_draw(figure_id=figure_id, language=language).status
