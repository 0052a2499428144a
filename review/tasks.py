"""Celery task of the data review."""

from __future__ import annotations

import pghistory
from celery import shared_task

from review.checks import automatic_queries_refresh


@shared_task(name="review.automatic_queries_refresh")
def automatic_queries_refresh_task() -> dict[str, int]:
    """Raise and close automatic queries as the data change; running it twice is harmless."""
    # No user: the audit trail names the task, so its writes are not taken for tampering.
    with pghistory.context(system="review.automatic_queries_refresh"):
        return automatic_queries_refresh()
