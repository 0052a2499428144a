"""E-mails sent by a real Celery worker through the real Redis broker, after commit.

The save that calls notify() stores the notices and the e-mails; only once it commits is each
e-mail handed to the queue, and `celery -A trialsite worker` sends it with the file backend
(one file per connection in EMAIL_FILE_PATH). A rolled-back save leaves no notice, no e-mail
and no message in the queue. A message delivered twice is sent once; a mail server that drops
the connection is tried again after a short wait.
"""

from __future__ import annotations

import email
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from notices.models import Notice, NoticeKind, OutgoingEmail
from notices.services import notification_rules_seed, notify
from notices.tasks import send_email
from tests.endpoints.test_analysis_runs_on_a_worker import (
    WAIT_SECONDS,
    Worker,
    _broker_emptied,
    celery_worker,
)
from trialsite.celery import app

pytestmark = pytest.mark.django_db(transaction=True)
Status = OutgoingEmail.Status
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = "\n" + "-" * 79 + "\n"


@pytest.fixture
def broker():
    """The real Redis broker, emptied of the messages earlier tests left there."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the worker tests need REDIS_URL"
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "the worker tests need a real broker"
    _broker_emptied()
    yield app
    _broker_emptied()


@pytest.fixture
def rules(db):
    # A transactional test empties every table afterwards, the migration's rules included.
    notification_rules_seed()


def _waiting_in_queue() -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(app.conf.task_default_queue)


def _mailed(directory: Path) -> list[email.message.Message]:
    """Every message the file backend wrote, in the order of its files."""
    messages = []
    for path in sorted(directory.iterdir(), key=lambda p: p.stat().st_mtime_ns):
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages


def _wait_until(condition: Callable[[], bool], worker: Worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline or worker.process.poll() is not None:
            pytest.fail(f"Waited in vain for {what}. Worker output:\n{worker.output}")
        time.sleep(0.1)


def _all_sent() -> bool:
    return not OutgoingEmail.objects.exclude(status=Status.SENT).exists()


def test_it_sends_one_email_per_recipient_once_the_save_commits_and_only_once(
    broker, rules, staff, site_a, tmp_path
):
    with transaction.atomic():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
        # Nothing is queued before the save commits: the worker would not find the rows.
        assert _waiting_in_queue() == 0
    assert _waiting_in_queue() == 2

    with celery_worker(EMAIL_BACKEND=FILE_BACKEND, EMAIL_FILE_PATH=str(tmp_path)) as worker:
        _wait_until(_all_sent, worker, "the worker to send both e-mails")
        # The same message delivered again (a redelivery, a resend): nothing more is sent.
        again = send_email.delay(OutgoingEmail.objects.first().pk)
        _wait_until(
            lambda: f"[{again.id}] succeeded" in worker.output, worker, "the second delivery"
        )

    mailed = _mailed(tmp_path)
    assert sorted(message["To"] for message in mailed) == [
        "coordinator_a@chu.example",
        "investigator_a@chu.example",
    ]
    assert {message["Subject"] for message in mailed} == {"[NCT03765541] SAE opened: 03-001"}
    assert all("http://127.0.0.1:8000/safety/saes/1/" in m.get_payload() for m in mailed)
    assert sorted(OutgoingEmail.objects.values_list("recipient", "attempts", "last_error")) == [
        ("coordinator_a@chu.example", 1, ""),
        ("investigator_a@chu.example", 1, ""),
    ]
    # The second delivery found the message sent: it returned False and sent nothing.
    assert re.search(rf"\[{again.id}\] succeeded in [\d.]+s: False", worker.output)


def test_a_rolled_back_save_tells_nobody(broker, rules, staff, site_a):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
        raise Refused

    assert not Notice.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert _waiting_in_queue() == 0


def test_a_worker_retries_an_email_the_mail_server_dropped_and_sends_it(
    broker, rules, staff, site_b, tmp_path
):
    with transaction.atomic():
        notify(NoticeKind.SUSAR_OVERDUE, site=site_b, study_id="07-004", link="/safety/susars/2/")
    queued = OutgoingEmail.objects.get()

    with celery_worker(
        EMAIL_BACKEND="tests.notices.mail_backends.FileFailsFirstTimeBackend",
        EMAIL_FILE_PATH=str(tmp_path),
        NOTICE_EMAIL_RETRY_BACKOFF_SECONDS="1",
    ) as worker:
        _wait_until(_all_sent, worker, "the worker to send the e-mail on its second attempt")

    queued.refresh_from_db()
    assert (queued.recipient, queued.attempts) == ("safety_desk@chu.example", 2)
    assert queued.last_error.startswith("SMTPServerDisconnected: Connection unexpectedly closed")
    assert "Retry in" in worker.output
    assert [message["To"] for message in _mailed(tmp_path)] == ["safety_desk@chu.example"]
