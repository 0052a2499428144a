"""Data review: queries on values, source-data verification and e-signatures.

Verification marks and signatures keep a fingerprint of what was verified or signed; their
state is recomputed from the data, so a change by any path (form, API, bulk, SQL) clears
the mark or breaks the signature, and says so.
"""

from __future__ import annotations

import pgtrigger
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.tracking import audited
from patients.models import Patient
from refusals.text import FREE_TEXT_MAX_LENGTH, no_control_characters
from refusals.translatable import query_text_shown

# The step the system writes when an automatic query's finding has gone (stored English).
AUTOMATIC_CLOSE_TEXT = gettext_noop("Closed automatically: the data no longer raise it.")


class RecordReference(models.Model):
    """Which record (and optionally which field) of which patient something is about."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    field_name = models.CharField(
        max_length=60, blank=True, help_text=_("Empty: the whole record.")
    )

    class Meta:
        abstract = True


# The audit trail keeps the query's English text; the message it was written from (for the
# pages' translation) is the same words again, not a change to trace.
@audited(exclude=("text_message",))
class DataQuery(RecordReference):
    """A question on a value, raised by a data manager, a monitor or an automatic check."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("query", "Open")
        ANSWERED = "answered", pgettext_lazy("query", "Answered")
        CLOSED = "closed", pgettext_lazy("query", "Closed")

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Raised by a data manager or a monitor")
        AUTOMATIC = "automatic", _("Raised by an automatic check")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    check_code = models.CharField(
        max_length=40, blank=True, help_text=_("The automatic check that raised it.")
    )
    text = models.CharField(max_length=FREE_TEXT_MAX_LENGTH, validators=[no_control_characters])
    # An automatic query's wording (message id and placeholders), so a page shows `text`,
    # stored in English, in its reader's language (refusals/translatable.py).
    text_message = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    raised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            # The query list's page, newest first, read in the index's order.
            models.Index(fields=["-raised_at", "-id"], name="queries_newest_first"),
        ]
        constraints = [
            # One open automatic query per check and record, however often the checks run.
            models.UniqueConstraint(
                fields=["check_code", "content_type", "object_id"],
                condition=Q(kind="automatic") & ~Q(status="closed"),
                name="one_live_automatic_query_per_check_and_record",
            ),
        ]

    def __str__(self) -> str:
        return f"Query on {self.patient} ({self.get_status_display()})"

    @property
    def text_shown(self) -> str:
        """The text in the reader's language (a person's words stay as written)."""
        return query_text_shown(stored=self.text, message=self.text_message)


class QueryStep(models.Model):
    """One step of a query's life: raised, answered, closed, re-opened; never changed."""

    class Action(models.TextChoices):
        RAISED = "raised", pgettext_lazy("query", "Raised")
        ANSWERED = "answered", pgettext_lazy("query", "Answered")
        CLOSED = "closed", pgettext_lazy("query", "Closed")
        REOPENED = "reopened", pgettext_lazy("query", "Re-opened")

    query = models.ForeignKey(DataQuery, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=10, choices=Action.choices)
    text = models.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, blank=True, validators=[no_control_characters]
    )
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="query_step_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.by or 'the system'}"

    @property
    def text_shown(self) -> str:
        """The text in the reader's language when the system wrote it (stored English)."""
        if self.by_id is None and self.text == AUTOMATIC_CLOSE_TEXT:
            return gettext(self.text)
        return self.text


@audited()
class SourceVerification(RecordReference):
    """A monitor's mark that a record (or field) matches the hospital's source document."""

    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(auto_now_add=True)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the verified values."))

    class Meta:
        ordering = ["-verified_at", "-pk"]

    def __str__(self) -> str:
        return f"SDV of {self.content_type.model} {self.object_id} {self.field_name}".strip()


@audited()
class Signature(models.Model):
    """An investigator's signature of a patient's casebook (21 CFR Part 11 §11.50/§11.70).

    Bound to the casebook by the fingerprint of its content at signing: any later change
    breaks it, and a new signature is asked for.
    """

    # Stored with each signature in English; shown translated.
    MEANING = gettext_noop("I have reviewed and approve the data of this casebook.")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="signatures")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=300)
    signed_at = models.DateTimeField(auto_now_add=True)
    meaning = models.CharField(max_length=200, default=MEANING)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        triggers = [
            pgtrigger.Protect(
                name="signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} signed {self.patient} at {self.signed_at:%Y-%m-%d %H:%M}"
