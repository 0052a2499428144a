"""Analysis runs: one computation of the standard analysis for a data cut-off."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.tracking import audited


class AnalysisRun(models.Model):
    """A survival analysis computed by a Celery worker.

    The worker claims a queued run with a conditional update (queued → running), so two
    workers never compute the same run, and holds it by a lease it renews while computing.
    A run whose lease expired (its worker died) is taken over by the next message for it, or
    put back in the queue by the periodic sweep; after 3 attempts it fails with the reason.
    The attempt number is the claim's token: a worker that lost its lease cannot write.
    """

    QUEUE_UNAVAILABLE = _(
        "The analysis queue is unavailable; your request is recorded and will run when it is back."
    )

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cutoff = models.DateField(_("data cut-off"))
    strata_factors = models.JSONField(default=list)
    ties = models.CharField(
        max_length=10, default="efron", help_text=_("How the Cox models handle tied times.")
    )
    # Set by the worker when it reads the data (endpoints/fingerprint.py), not by the request.
    fingerprint = models.CharField(
        max_length=64,
        db_index=True,
        blank=True,
        help_text=_("SHA-256 of the cut-off, strata, ties and the data's state."),
    )
    data_seq = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "The audit chain's last link when the worker read the data: what was "
            "written after it is what the results do not include."
        ),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # Set by every change of state (the services update with QuerySet.update, which does not
    # touch auto_now fields): what incremental pulls compare against.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Until when the worker computing the run holds it.")
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the run was last handed to the queue; empty while the queue was "
            "unavailable (the sweep sends it when the queue is back)."
        ),
    )
    results = models.JSONField(null=True, blank=True)
    figures = models.JSONField(null=True, blank=True, help_text=_("SVG figures by name."))
    error = models.TextField(blank=True)
    served_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The finished run with the same fingerprint, whose results the worker reused."),
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Analysis at cut-off {self.cutoff} ({self.get_status_display()})"

    @property
    def waiting_for_the_queue(self) -> bool:
        """Recorded while the queue (the broker) was unavailable, and not sent since."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


@audited()
class ImportedOutcome(models.Model):
    """A patient's outcome brought in from a legacy spreadsheet or another trial system.

    Kept apart from the clinical records entered here (no screening, no visits): the analysis
    datasets read both, so legacy patients count in the survival analyses and exports.
    """

    subject_id = models.CharField(max_length=40, unique=True)
    site_number = models.PositiveSmallIntegerField()
    arm = models.CharField(max_length=10)
    regimen = models.CharField(max_length=20)
    randomized_on = models.DateField()
    death_on = models.DateField(null=True, blank=True)
    last_alive_on = models.DateField()
    hsct_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, help_text=_("File it came from, and its checksum."))
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["subject_id"]

    def __str__(self) -> str:
        return f"{self.subject_id} (imported)"
