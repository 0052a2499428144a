"""The drawn CONSORT figures and the record of every DMC report generated."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ConsortFigure(models.Model):
    """The CONSORT diagram of a cut-off, drawn by a worker as SVG and PNG.

    Identified by the fingerprint of what it shows (cut-off, pooled or by arm, every count)
    and the language of its words: a figure whose data changed is a new figure, and an
    unchanged one is drawn once per language (the worker draws it in that language).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being drawn")
        DONE = "done", _("Drawn")
        FAILED = "failed", _("Failed")

    cutoff = models.DateField(_("data cut-off"))
    by_arm = models.BooleanField(help_text=_("One column per arm; otherwise pooled."))
    fingerprint = models.CharField(max_length=64, db_index=True)
    language = models.CharField(
        max_length=8, default="en", help_text=_("The language of the figure's words.")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    svg = models.TextField(blank=True)
    png = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "language"], name="consort_figure_one_per_language"
            )
        ]

    def __str__(self) -> str:
        how = "by arm" if self.by_arm else "pooled"
        return f"CONSORT at {self.cutoff} ({how}, {self.get_status_display()})"


class DmcReportPart(models.TextChoices):
    OPEN = "open", _("Open part (pooled)")
    CLOSED = "closed", _("Closed part (by arm)")
    FULL = "full", _("Open and closed parts")

    @property
    def has_closed_part(self) -> bool:
        return self is not DmcReportPart.OPEN


class DmcReportGeneration(models.Model):
    """A DMC report generated: who, when, which cut-off and part, how it left the system
    (page, download, API), and the SHA-256 of its content. Never changed nor deleted: the
    trigger refuses it in the database, as for the viewings of the allocation sequence."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Page")
        DOWNLOAD = "download", _("Download")
        API = "api", _("API")

    generated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)
    cutoff = models.DateField(_("data cut-off"))
    part = models.CharField(max_length=10, choices=DmcReportPart.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the report's content."))

    class Meta:
        ordering = ["-generated_at", "-pk"]
        triggers = [
            pgtrigger.Protect(
                name="dmc_report_generation_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.generated_by} generated the {self.part} part at cut-off {self.cutoff} "
            f"({self.channel}) on {self.generated_at:%Y-%m-%d %H:%M}"
        )
