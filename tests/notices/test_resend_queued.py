"""E-mails never wait on the broker: with the broker down the save stands and the e-mail stays
queued; every five minutes notices.resend_queued hands the waiting ones to the queue again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from notices import services
from notices.models import Notice, NoticeKind, OutgoingEmail
from notices.services import notify
from notices.tasks import send_email

pytestmark = pytest.mark.django_db
Status = OutgoingEmail.Status


@pytest.fixture
def handed_over(monkeypatch) -> list[int]:
    """The e-mails handed to the queue, instead of the queue itself."""
    ids: list[int] = []
    monkeypatch.setattr(send_email, "delay", ids.append)
    return ids


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(outgoing_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "delay", refuse)


def test_a_broker_that_is_down_leaves_the_email_queued_and_the_save_standing(
    staff, site_a, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")

    assert Notice.objects.count() == 2
    assert set(OutgoingEmail.objects.values_list("status", "attempts", "queued_at")) == {
        (Status.QUEUED, 0, None)
    }
    assert "The e-mail queue is unavailable" in caplog.text


def test_it_resends_what_waits_over_a_minute_neither_queued_nor_tried_lately(
    staff, site_a, handed_over, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
        notify(NoticeKind.SUSAR_OVERDUE, site=site_a, study_id="03-002", link="/safety/s/2/")
        notify(NoticeKind.SAE_SUBMITTED, site=site_a, study_id="03-003", link="/safety/s/3/")
        notify(NoticeKind.SUSAR_DUE_SOON, site=site_a, study_id="03-004", link="/safety/s/4/")
    never_tried, tried_once = OutgoingEmail.objects.filter(kind=NoticeKind.SAE_OPENED).order_by(
        "pk"
    )
    retrying = OutgoingEmail.objects.get(kind=NoticeKind.SUSAR_OVERDUE)
    sent, failed = OutgoingEmail.objects.filter(kind=NoticeKind.SAE_SUBMITTED).order_by("pk")
    in_a_busy_queue = OutgoingEmail.objects.get(kind=NoticeKind.SUSAR_DUE_SOON)
    now = timezone.now() + dt.timedelta(minutes=2)
    longest_wait = dt.timedelta(seconds=settings.NOTICE_EMAIL_RETRY_BACKOFF_MAX_SECONDS)
    OutgoingEmail.objects.filter(pk=tried_once.pk).update(
        attempts=1, last_attempt_at=now - 3 * longest_wait
    )
    # Still within its back-off: its own retry will come.
    OutgoingEmail.objects.filter(pk=retrying.pk).update(
        attempts=1, last_attempt_at=now - longest_wait
    )
    # Handed to the broker a while ago; the worker is busy (long analyses) and will come to it.
    OutgoingEmail.objects.filter(pk=in_a_busy_queue.pk).update(queued_at=now - longest_wait)
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=now)
    OutgoingEmail.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=6)

    assert services.outgoing_emails_resend(now=now - dt.timedelta(minutes=1, seconds=30)) == []
    assert services.outgoing_emails_resend(now=now) == [never_tried.pk, tried_once.pk]
    assert handed_over == [never_tried.pk, tried_once.pk]
    assert OutgoingEmail.objects.get(pk=never_tried.pk).queued_at is not None
