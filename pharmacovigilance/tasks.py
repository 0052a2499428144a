"""Celery task of the sponsor's safety desk."""

from __future__ import annotations

from celery import shared_task

from pharmacovigilance.services import susar_clock_sweep


@shared_task(name="pharmacovigilance.susar_clock_sweep")
def susar_clock_sweep_task() -> dict[str, int]:
    """Notify SUSARs due within 48 hours and overdue ones, once each; harmless run twice."""
    return susar_clock_sweep()
