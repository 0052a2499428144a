"""Celery beat: stored answers to creating requests are forgotten after 24 hours."""

from __future__ import annotations

from celery import shared_task

from idempotency.services import idempotent_requests_expire


@shared_task(name="idempotency.requests_expire")
def idempotent_requests_expire_task() -> int:
    return idempotent_requests_expire()
