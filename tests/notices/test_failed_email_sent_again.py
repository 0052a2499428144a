"""A mail server down for longer than the retries last: the e-mails are marked failed, and an
administrator sends them again once it is back, each with the full number of attempts. The
audit trail keeps every attempt and who sent them again."""

from __future__ import annotations

import pytest
from django.core import mail
from pghistory.models import Events

from notices.models import NoticeKind, OutgoingEmail
from notices.services import notify
from notices.tasks import send_email

pytestmark = pytest.mark.django_db
Status = OutgoingEmail.Status


@pytest.fixture
def failed(staff, site_a, settings, django_capture_on_commit_callbacks) -> OutgoingEmail:
    settings.EMAIL_BACKEND = "tests.notices.mail_backends.DownBackend"
    settings.NOTICE_EMAIL_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
    email = OutgoingEmail.objects.get(user=staff["investigator_a"])
    send_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return email


def test_an_administrator_sends_a_failed_email_again(
    failed, admin_client, admin_user, django_capture_on_commit_callbacks
):
    queued_too = OutgoingEmail.objects.exclude(pk=failed.pk).get()  # still queued: left alone

    with django_capture_on_commit_callbacks() as sends:
        response = admin_client.post(
            "/admin/notices/outgoingemail/",
            {"action": "send_again", "_selected_action": [failed.pk, queued_too.pk]},
            follow=True,
        )

    assert "1 failed e-mail queued again." in response.content.decode()
    assert len(sends) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts_before_resend) == (Status.QUEUED, 1)
    # It gets its attempts again: the first one now goes through.
    assert send_email.apply(args=[failed.pk]).get() is True
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 2)
    assert [message.to for message in mail.outbox] == [["investigator_a@chu.example"]]

    trail = Events.objects.tracks(failed).order_by("pgh_id")
    assert [event.pgh_data["status"] for event in trail] == [
        Status.QUEUED,  # logged by notify
        Status.FAILED,  # the one attempt allowed, the server down
        Status.QUEUED,  # sent again
        Status.SENT,
    ]
    assert trail[1].pgh_context == {"system": "notices.send_email"}
    assert trail[2].pgh_context["user"] == admin_user.pk
    assert "Sent again from the admin" in trail[2].pgh_context["reason"]
