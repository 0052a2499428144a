"""Celery task of the follow-up: the daily end-of-study close-out."""

from __future__ import annotations

from celery import shared_task

from visits.services.end_of_study import TASK, end_of_study_close_out


@shared_task(name=TASK)
def end_of_study_close_out_task() -> int:
    """Take every patient still followed off study once the study has ended; idempotent."""
    return len(end_of_study_close_out().closed)
