"""Housekeeping tasks of the whole site, run by Celery beat."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="trialsite.sessions_clear_expired")
def sessions_clear_expired() -> None:
    """Delete expired sessions, as Django asks of every site; running it twice is harmless."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
