"""An e-mail goes once: a task delivered twice sends it once; a mail server that drops the
connection is tried again, and the log keeps each attempt's count and error; after
NOTICE_EMAIL_MAX_ATTEMPTS it is marked failed. The log is never deleted nor rewritten."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, transaction

from notices.models import NoticeKind, OutgoingEmail
from notices.services import notify
from notices.tasks import send_email
from tests.notices.mail_backends import FailsFirstTimeBackend
from trialsite.celery import app

pytestmark = pytest.mark.django_db
Status = OutgoingEmail.Status


@pytest.fixture
def queued(staff, site_a, django_capture_on_commit_callbacks) -> OutgoingEmail:
    """The e-mail telling site A's investigator of an SAE (not yet handed to a worker)."""
    with django_capture_on_commit_callbacks():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
    return OutgoingEmail.objects.get(user=staff["investigator_a"])


@pytest.fixture
def retries_in_process():
    """Run a task and its retries here, one after the other, as a worker would (no waiting)."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def test_it_sends_a_message_once_when_its_task_runs_twice(queued):
    assert send_email.apply(args=[queued.pk]).get() is True
    assert send_email.apply(args=[queued.pk]).get() is False

    assert [message.to for message in mail.outbox] == [["investigator_a@chu.example"]]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.last_error) == (Status.SENT, 1, "")
    assert queued.last_attempt_at <= queued.sent_at
    sent = mail.outbox[0]
    assert (sent.subject, sent.body) == (queued.subject, queued.body)
    assert sent.from_email == "trial-notices@localhost"
    assert sent.extra_headers == {"Auto-Submitted": "auto-generated"}


def test_it_retries_a_dropped_connection_and_then_sends(queued, settings, retries_in_process):
    settings.EMAIL_BACKEND = "tests.notices.mail_backends.FailsFirstTimeBackend"
    FailsFirstTimeBackend.failures_left = 1

    send_email.apply(args=[queued.pk])

    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Status.SENT, 2)
    # The log keeps what went wrong on the way.
    assert queued.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_allowed_attempts_with_the_reason(
    queued, settings, retries_in_process
):
    settings.EMAIL_BACKEND = "tests.notices.mail_backends.DownBackend"
    settings.NOTICE_EMAIL_MAX_ATTEMPTS = 3

    send_email.apply(args=[queued.pk])

    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.sent_at) == (Status.FAILED, 3, None)
    assert queued.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []
    # A failed message is not tried again by a late delivery of its task.
    assert send_email.apply(args=[queued.pk]).get() is False
    queued.refresh_from_db()
    assert queued.attempts == 3


def test_the_log_is_never_deleted(queued):
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        OutgoingEmail.objects.filter(pk=queued.pk).delete()
    assert OutgoingEmail.objects.filter(pk=queued.pk).exists()


def test_a_logged_message_is_never_rewritten(queued):
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        OutgoingEmail.objects.filter(pk=queued.pk).update(body="Something else")
    queued.refresh_from_db()
    assert "03-001" in queued.body
