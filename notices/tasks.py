"""Celery tasks of the notices: thin, idempotent, given ids only."""

from __future__ import annotations

from smtplib import SMTPException

import pghistory
from celery import shared_task
from django.conf import settings

from notices import services


@shared_task(
    name="notices.send_email",
    acks_late=True,
    # An unreachable or refusing mail server: tried again later, waiting longer each time.
    autoretry_for=(SMTPException, ConnectionError, OSError),
    retry_backoff=settings.NOTICE_EMAIL_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.NOTICE_EMAIL_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    # The row counts the attempts and gives up (outgoing_email_send); this is only a cap.
    max_retries=settings.NOTICE_EMAIL_MAX_ATTEMPTS,
)
def send_email(outgoing_id: int) -> bool:
    """Send one logged e-mail; one already sent is not sent again."""
    # No user: the audit trail names the task, so its writes are not taken for tampering.
    with pghistory.context(system="notices.send_email"):
        return services.outgoing_email_send(outgoing_id=outgoing_id)


@shared_task(name="notices.resend_queued")
def resend_queued() -> int:
    """Queue again the e-mails a broker outage or a lost worker left waiting."""
    return len(services.outgoing_emails_resend())
