"""Serious adverse event reports: one case per serious adverse event, in numbered versions.

Version 0 is the initial report, due 24 hours after the site became aware of the event;
versions 1, 2, ... are the follow-up reports. A version is a draft until an investigator of
the site signs it (password re-entered); a submitted version is never changed, by the
service nor by SQL (a database trigger refuses it), so what the sponsor received stays as
received.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from accounts.models import User
from audit.tracking import audited
from patients.models import Patient
from protocol.safety import SaeCausality, SaeOutcome
from refusals.text import FREE_TEXT_MAX_LENGTH, no_control_characters
from safety.clock import duration_text, initial_due_at
from visits.models import AdverseEvent, ClinicalRecord

NARRATIVE_MAX_LENGTH = 4000


@audited()
class SaeReport(ClinicalRecord):
    """The case of one serious adverse event, from the site's awareness onwards."""

    adverse_event = models.OneToOneField(
        AdverseEvent, on_delete=models.PROTECT, related_name="sae_report"
    )
    # The patient, copied from the event, scopes the report to the patient's site.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sae_reports")
    site_aware_at = models.DateTimeField(
        _("date and time the site became aware"),
        help_text=_("The 24-hour clock of the initial report starts here."),
    )
    opened_automatically = models.BooleanField(
        default=False, help_text=_("Opened by the system from a death, not by a person.")
    )
    sponsor_received_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the initial report was submitted: the sponsor's first knowledge."),
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-site_aware_at", "-pk"]
        indexes = [
            # The dashboard's few most urgent reports awaiting submission (earliest awareness
            # first): read from the index, not sorted out of every report of the trial.
            models.Index(fields=["site_aware_at", "id"], name="sae_report_by_awareness"),
        ]

    def __str__(self) -> str:
        return f"SAE {self.pk} of {self.patient}"

    @property
    def initial_due_at(self) -> dt.datetime:
        """Return when the initial report is due: 24 hours after the site became aware."""
        return initial_due_at(self.site_aware_at)


def _causality_field(verbose_name: Any) -> models.CharField:
    return models.CharField(verbose_name, max_length=20, choices=SaeCausality.choices, blank=True)


@audited()
class SaeReportVersion(ClinicalRecord):
    """One version of the report: 0 the initial report, n the follow-up report n."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("SAE version", "Submitted")

    report = models.ForeignKey(SaeReport, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    results_in_death = models.BooleanField(_("results in death"), default=False)
    life_threatening = models.BooleanField(_("life-threatening"), default=False)
    hospitalisation = models.BooleanField(
        _("requires hospitalisation or prolongs it"), default=False
    )
    disability = models.BooleanField(_("persistent or significant disability"), default=False)
    congenital_anomaly = models.BooleanField(_("congenital anomaly / birth defect"), default=False)
    other_medically_important = models.BooleanField(
        _("other medically important event"), default=False
    )
    narrative = models.TextField(
        max_length=NARRATIVE_MAX_LENGTH, blank=True, validators=[no_control_characters]
    )
    relevant_tests = models.TextField(
        _("relevant tests and laboratory data"),
        max_length=FREE_TEXT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
    )
    outcome = models.CharField(max_length=30, choices=SaeOutcome.choices, blank=True)
    dexamethasone_causality = _causality_field(_("causality: dexamethasone"))
    amsacrine_causality = _causality_field(_("causality: amsacrine"))
    cytarabine_causality = _causality_field(_("causality: cytarabine"))
    azacitidine_causality = _causality_field(_("causality: azacitidine"))
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    signer_name = models.CharField(max_length=300, blank=True, editable=False)
    fingerprint = models.CharField(
        max_length=64, blank=True, editable=False, help_text=_("SHA-256 of the submitted content.")
    )
    submitted_late_by = models.DurationField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The initial report only: how long after its 24-hour deadline it came."),
    )

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="unique_sae_version_number"),
            # One draft at a time: a follow-up starts once the last version is submitted.
            models.UniqueConstraint(
                fields=["report"], condition=Q(status="draft"), name="one_draft_per_sae_report"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (
                    Q(submitted_at__isnull=False)
                    & Q(submitted_by__isnull=False)
                    & ~Q(fingerprint="")
                    & ~Q(signer_name="")
                ),
                name="submitted_sae_version_is_signed",
            ),
        ]
        triggers = [
            # What the sponsor received is never changed, whatever the path (ORM, bulk, SQL).
            pgtrigger.Protect(
                name="submitted_sae_version_unchanged",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="submitted"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.label}"

    @property
    def label(self) -> str:
        """The version's name as stored in audit reasons and given by the API (English)."""
        return "initial report" if self.number == 0 else f"follow-up {self.number}"

    @property
    def display_label(self) -> str:
        """The version's name as people read it on the pages, in their language."""
        if self.number == 0:
            return pgettext("SAE version", "initial report")
        return pgettext("SAE version", "follow-up %(number)s") % {"number": self.number}

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def late_text(self) -> str:
        """Return how late the initial report came ('' when on time or a follow-up)."""
        return duration_text(self.submitted_late_by) if self.submitted_late_by else ""
