"""Data cuts: a cut-off frozen once into a package that never changes afterwards."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.tracking import audited

LABEL_MAX_LENGTH = 100


@audited()
class DataCut(models.Model):
    """A data cut-off frozen into a package by a Celery worker.

    The request records the cut (queued) and the worker builds the package in one
    consistent snapshot of the database (building), then stores it and the cut's
    fingerprint, code version and SHA-256 together (frozen). From then on a trigger refuses
    any UPDATE or DELETE of the row, whoever asks: the figures a committee was shown can
    always be traced back to the exact data and code that produced them.
    """

    QUEUE_UNAVAILABLE = _(
        "The queue is unavailable: the data cut is recorded and will be frozen when a worker "
        "receives it."
    )

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Freezing")
        FROZEN = "frozen", _("Frozen")
        FAILED = "failed", _("Failed")

    label = models.CharField(
        max_length=LABEL_MAX_LENGTH, help_text=_("E.g. 'DMC meeting 2 (March 2026)'.")
    )
    cutoff = models.DateField(_("data cut-off"))
    strata_factors = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the cut was handed to the queue.")
    )
    started_at = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of the cut-off, strata and patient facts (as the analyses compute it)."
        ),
    )
    code_version = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text=_("Bytes of the zip."))
    sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("SHA-256 of the package, recorded at freezing.")
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # A label names one cut; a failed attempt leaves its label free for the next.
            models.UniqueConstraint(
                fields=["label"], condition=~Q(status="failed"), name="data_cut_label_unique"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="data_cut_frozen_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="frozen"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (cut-off {self.cutoff:%Y-%m-%d})"

    @property
    def filename(self) -> str:
        return f"datacut_{self.pk}_{self.cutoff:%Y%m%d}.zip"


class DataCutPackage(models.Model):
    """The zip of a frozen cut, stored in the database with the cut.

    In the database rather than on a disk: the web app and the worker share the database
    (not a file system, in the containers of docker-compose), its backups cover the package,
    and a trigger refuses any change or deletion. The SHA-256 recorded at freezing is checked
    again on every download, so a package altered behind the trigger is never served.
    """

    cut = models.OneToOneField(
        DataCut, on_delete=models.PROTECT, primary_key=True, related_name="package"
    )
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="data_cut_package_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Package of {self.cut_id}"
