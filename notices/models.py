"""Notices to the people a trial event concerns: who receives which (rules per role and site),
the in-app notices, and the log of every e-mail sent or tried."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Site
from audit.tracking import audited


class NoticeKind(models.TextChoices):
    """The events that notify someone (issue 14: the SAE and SUSAR clocks)."""

    SAE_OPENED = "sae_opened", _("SAE opened")
    SAE_SUBMITTED = "sae_submitted", _("SAE report submitted")
    SAE_FOLLOW_UP_SUBMITTED = "sae_follow_up_submitted", _("SAE follow-up submitted")
    SAE_OVERDUE = "sae_overdue", _("SAE report overdue")
    SUSAR_CLASSIFIED = "susar_classified", _("SUSAR classified")
    SUSAR_DUE_SOON = "susar_due_soon", _("SUSAR due within 48 hours")
    SUSAR_OVERDUE = "susar_overdue", _("SUSAR report overdue")
    ASSESSMENT_CHANGED = "assessment_changed", _("Sponsor assessment changed")


@audited()
class NotificationRule(models.Model):
    """Who receives a kind of notice: every active account of a role, at every site or one.

    Site-bound roles (coordinator, investigator, monitor) receive only the notices of the sites
    they work at; the all-sites roles receive every site's, unless the rule names a site.
    """

    kind = models.CharField(max_length=40, choices=NoticeKind.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Only this site's notices; empty for every site."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "role", "site__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "role", "site"],
                name="unique_notification_rule_per_site",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        where = f"site {self.site.code}" if self.site else "every site"
        return f"{self.get_kind_display()} → {self.get_role_display()} ({where})"


class Notice(models.Model):
    """One in-app notice to one account; it only ever gains the time it was read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(max_length=40, choices=NoticeKind.choices)
    study_id = models.CharField(max_length=20, blank=True)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT)
    link = models.CharField(max_length=300)
    # Rendered in the recipient's language when the notice is made (notices.services.notify),
    # as the e-mail is; never changed (a later change of language keeps the old ones as sent).
    text = models.CharField(max_length=300)
    # What the notice is about (an SAE report, a SUSAR), so a clock asks whether it already
    # told someone: the model's label and the primary key.
    about_model = models.CharField(max_length=100, blank=True)
    about_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_unread_by_recipient"),
            models.Index(fields=["kind", "about_model", "about_id"], name="notice_by_subject"),
        ]
        triggers = [
            pgtrigger.Protect(name="notice_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(
                name="notice_only_gains_read_at",
                fields=[
                    "recipient",
                    "kind",
                    "study_id",
                    "site",
                    "link",
                    "text",
                    "about_model",
                    "about_id",
                    "created_at",
                ],
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


@audited()
class OutgoingEmail(models.Model):
    """The e-mail log: every message queued, with each attempt's outcome; never deleted.

    What was written (address, subject, body) never changes; only the sending fields do, and
    the audit trail keeps each change (an attempt, a failure, an administrator's resend).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # PROTECT: accounts are deactivated, never deleted, so the log stays whole.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outgoing_emails",
    )
    recipient = models.EmailField(help_text=_("The address the message was sent to."))
    kind = models.CharField(max_length=40, choices=NoticeKind.choices)
    notice = models.OneToOneField(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="email"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the broker; empty while the broker was down.
    queued_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The attempts made before an administrator sent a failed e-mail again: it then gets
    # NOTICE_EMAIL_MAX_ATTEMPTS more.
    attempts_before_resend = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_email_by_status")]
        triggers = [
            pgtrigger.Protect(name="outgoing_email_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(
                name="outgoing_email_message_unchanged",
                fields=["user", "recipient", "kind", "notice", "subject", "body", "created_at"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.get_status_display()})"
