"""Telling people about a trial event: an in-app notice each, and an e-mail sent after commit.

The caller's transaction stores the notices and the e-mails to send; the worker sends each
e-mail once it is committed (`notices.send_email`), so a save never waits for a mail server
and a rolled-back save tells nobody. A message names the study ID, the site number, the
event, its deadline and a link, and nothing else about the patient.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import pghistory
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerUnavailable

import protocol
from accounts.language import language_of_user
from accounts.models import Site, User
from audit.records import reason_for_change
from notices.defaults import DEFAULT_RULES
from notices.models import Notice, NoticeKind, NotificationRule, OutgoingEmail
from notices.selectors import notice_recipients

logger = logging.getLogger(__name__)

_LINE_SPACE = re.compile(r"[ \t\r\n]+")

# The facts a caller may add to a message: nothing that could identify a patient.
ALLOWED_FACTS = frozenset({"deadline", "report"})


class Unsendable(ValueError):
    """A fact a notice may not carry (a programming error, not a user's)."""


def notify(
    kind: NoticeKind,
    *,
    site: Site | None,
    study_id: str,
    link: str,
    facts: Mapping[str, str] | None = None,
    about: Model | None = None,
) -> None:
    """Inside the caller's transaction: store an in-app notice for each recipient, and an
    outgoing e-mail for each recipient with an address, sent by the worker after commit.

    Recipients come from the notification rules (notices.selectors.notice_recipients).
    `link` is the page's path (made absolute with SITE_URL in the e-mail); `facts` may hold
    only `deadline` (as the reader should see it) and `report` (e.g. "follow-up 2").
    `about` is the record the notice concerns (notices.selectors.notice_given asks about it).
    Call it within the caller's audit context (a request, a service's reason, a task's
    `system`): the e-mail log is in the audit trail.
    """
    kind = NoticeKind(kind)
    recipients = list(notice_recipients(kind=kind, site=site))
    # Each recipient reads the notice and the e-mail in their own language, rendered once per
    # language; the in-app text is stored as rendered (see notices/models.py Notice.text).
    messages: dict[str, NoticeMessage] = {}
    message_of: dict[int, NoticeMessage] = {}
    for user in recipients:
        language = language_of_user(user)
        if language not in messages:
            with translation.override(language):
                messages[language] = notice_message(
                    kind, site=site, study_id=study_id, link=link, facts=facts
                )
        message_of[user.pk] = messages[language]
    if not recipients:  # still refuse a fact a notice may not carry
        notice_message(kind, site=site, study_id=study_id, link=link, facts=facts)
    about_model = about._meta.label_lower if about is not None else ""
    about_id = str(about.pk) if about is not None else ""
    with transaction.atomic():
        notices = Notice.objects.bulk_create(
            Notice(
                recipient=user,
                kind=kind,
                study_id=study_id,
                site=site,
                link=link,
                text=message_of[user.pk].subject,
                about_model=about_model,
                about_id=about_id,
            )
            for user in recipients
        )
        emails = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                user=notice.recipient,
                recipient=notice.recipient.email,
                kind=kind,
                notice=notice,
                subject=message_of[notice.recipient.pk].subject,
                body=message_of[notice.recipient.pk].body,
            )
            for notice in notices
            if notice.recipient.email
        )
        for email in emails:
            # Sent once committed, so the worker finds the row; robust: a broker that is down
            # leaves the e-mail queued for notices.resend_queued, and the save stands.
            transaction.on_commit(partial(outgoing_email_queue, outgoing_id=email.pk), robust=True)


@dataclass(frozen=True)
class NoticeMessage:
    """A notice's subject (its in-app text too) and its e-mail body."""

    subject: str
    body: str


def notice_message(
    kind: NoticeKind,
    *,
    site: Site | None,
    study_id: str,
    link: str,
    facts: Mapping[str, str] | None = None,
) -> NoticeMessage:
    """Render the subject and body of a kind of notice from templates/notices/email/."""
    facts = dict(facts or {})
    unknown = set(facts) - ALLOWED_FACTS
    if unknown:
        raise Unsendable(
            f"A notice carries only {sorted(ALLOWED_FACTS)} besides the study ID, site and "
            f"link; not {sorted(unknown)}."
        )
    context = {
        "kind": kind.label,
        "study_id": study_id,
        "site": site.code if site is not None else "",
        "deadline": facts.get("deadline", ""),
        "report": facts.get("report", ""),
        "link": absolute_link(link),
        "trial": protocol.STUDY_ID,
    }
    rendered = render_to_string(f"notices/email/{kind.value}_subject.txt", context)
    # One line; a no-break space (French typography, before a colon) stays one.
    subject = _LINE_SPACE.sub(" ", rendered).strip()
    body = render_to_string(f"notices/email/{kind.value}.txt", context)
    return NoticeMessage(subject=subject[:300], body=body)


def absolute_link(link: str) -> str:
    """Return the link as an address that works from a mail client (SITE_URL + path)."""
    if link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def outgoing_email_queue(*, outgoing_id: int) -> bool:
    """Hand an e-mail to the worker; False, and a warning, when the broker is down (the e-mail
    stays queued and notices.resend_queued sends it later)."""
    from notices.tasks import send_email

    try:
        send_email.delay(outgoing_id)
    except BrokerUnavailable as error:
        logger.warning(
            "The e-mail queue is unavailable (%s): e-mail %s waits for the resend",
            error,
            outgoing_id,
        )
        return False
    OutgoingEmail.objects.filter(pk=outgoing_id).update(queued_at=timezone.now())
    return True


def outgoing_email_send(*, outgoing_id: int) -> bool:
    """Send one queued e-mail; True if it went now, False if it was sent or given up before.

    The row is locked while the mail server is asked, so a task delivered twice, or resent
    while the first is still running, waits and then finds it sent: each message goes once.
    A failure is logged on the row (attempts, last error) and raised again, so the task
    retries, until NOTICE_EMAIL_MAX_ATTEMPTS; then the e-mail is marked failed.
    """
    failure: OSError | None = None
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=outgoing_id).first()
        if email is None or email.status != OutgoingEmail.Status.QUEUED:
            return False
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        try:
            EmailMessage(
                subject=email.subject,
                body=email.body,
                to=[email.recipient],
                # Out-of-office replies are not sent back to an automatic message (RFC 3834).
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
        except OSError as error:  # smtplib.SMTPException and socket errors alike
            failure = error
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            tried = email.attempts - email.attempts_before_resend
            if tried >= settings.NOTICE_EMAIL_MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
                logger.error(
                    "E-mail %s failed after %s attempts: %s", email.pk, email.attempts, failure
                )
        else:
            email.status = OutgoingEmail.Status.SENT
            email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at"])
    if failure is not None and email.status == OutgoingEmail.Status.QUEUED:
        raise failure
    return failure is None


def outgoing_emails_resend(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the e-mails still waiting: logged over a minute ago, and neither handed to
    the broker nor tried lately (the broker was down, a worker died between retries). Sending
    twice is harmless.

    "Lately" is twice the longest wait between retries, so a message in its back-off, or in a
    queue that long analyses hold up, is left alone rather than queued over and over.
    """
    now = now or timezone.now()
    lately = now - dt.timedelta(seconds=2 * settings.NOTICE_EMAIL_RETRY_BACKOFF_MAX_SECONDS)
    waiting = (
        OutgoingEmail.objects.filter(
            status=OutgoingEmail.Status.QUEUED, created_at__lt=now - dt.timedelta(minutes=1)
        )
        .exclude(queued_at__gte=lately)
        .exclude(last_attempt_at__gte=lately)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [pk for pk in waiting if outgoing_email_queue(outgoing_id=pk)]


def outgoing_emails_send_again(*, ids: list[int], user: User, reason: str) -> list[int]:
    """Queue failed e-mails again (the mail server is back), each with the full number of
    attempts; who and why go into the audit trail. Return the ids queued."""
    reason = reason_for_change(reason)
    with transaction.atomic(), pghistory.context(user=user.pk, reason=reason):
        failed = list(
            OutgoingEmail.objects.select_for_update()
            .filter(pk__in=ids, status=OutgoingEmail.Status.FAILED)
            .order_by("pk")
        )
        for email in failed:
            email.status = OutgoingEmail.Status.QUEUED
            email.attempts_before_resend = email.attempts
            email.save(update_fields=["status", "attempts_before_resend"])
            transaction.on_commit(partial(outgoing_email_queue, outgoing_id=email.pk), robust=True)
    return [email.pk for email in failed]


@transaction.atomic
def notice_mark_read(*, user: User, notice_id: int) -> bool:
    """Mark one of the account's own notices read; another's is not found."""
    return bool(
        Notice.objects.filter(pk=notice_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


@transaction.atomic
def notices_mark_all_read(*, user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_rules_seed() -> int:
    """Create the default rules that are missing (notices/defaults.py); return how many.

    A new database has them from migration 0002; a test database emptied between
    transactional tests, or a trial whose rules were deleted, gets them back here.
    """
    created = 0
    with pghistory.context(reason="Default notification rules"):
        for kind, roles in DEFAULT_RULES.items():
            for role in roles:
                _, made = NotificationRule.objects.get_or_create(kind=kind, role=role, site=None)
                created += made
    return created


def notification_rule_save(*, rule: NotificationRule, user: User, reason: str) -> NotificationRule:
    """Save a new or changed rule with who changed it and why in the audit trail: who hears of
    an SAE is part of how the trial meets its reporting deadlines."""
    reason = reason_for_change(reason)
    rule.full_clean()
    with transaction.atomic(), pghistory.context(user=user.pk, reason=reason):
        rule.save()
    return rule
