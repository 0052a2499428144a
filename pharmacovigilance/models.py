"""The sponsor's side of an SAE: the reference safety information, the sponsor's assessment
of each suspect drug, and the SUSAR with its report to the regulators."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.tracking import audited
from pharmacovigilance.classification import Expectedness, SponsorCausality
from protocol.safety import SaeCausality, SuspectDrug
from refusals.text import no_control_characters
from safety.models import SaeReport

REASON_LENGTH = 300
COMMENT_MAX_LENGTH = 2000


@audited()
class ReferenceSafetyInformation(models.Model):
    """One version of a suspect drug's reference safety information (RSI): the document the
    expected reactions come from, in force from `effective_from` until the next version.

    ICH E2A / EU CT Regulation 536/2014: expectedness is judged against the RSI in force when
    the sponsor assesses the event, so a new version never changes past assessments.
    """

    drug = models.CharField(max_length=20, choices=SuspectDrug.choices)
    document = models.CharField(
        max_length=200,
        help_text=_('e.g. "SmPC Dexamethasone Mylan 4 mg, rev. 2024-03"'),
    )
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["drug", "-effective_from"]
        verbose_name = _("reference safety information")
        verbose_name_plural = _("reference safety information")
        constraints = [
            models.UniqueConstraint(fields=["drug", "effective_from"], name="one_rsi_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_drug_display()}: {self.document} (from {self.effective_from})"


@audited()
class ExpectedReaction(models.Model):
    """A reaction the RSI lists: one CTCAE v5.0 term, or a whole system organ class (every
    term of the class is then expected, e.g. 'Infections and infestations' under a
    corticosteroid)."""

    rsi = models.ForeignKey(
        ReferenceSafetyInformation, on_delete=models.CASCADE, related_name="expected_reactions"
    )
    term = models.CharField(_("CTCAE v5.0 term"), max_length=120, blank=True)
    system_organ_class = models.CharField(
        _("system organ class (every term of it)"), max_length=120, blank=True
    )

    class Meta:
        ordering = ["rsi", "system_organ_class", "term"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(term="") & ~Q(system_organ_class=""))
                | (~Q(term="") & Q(system_organ_class="")),
                name="expected_reaction_is_a_term_or_a_class",
            ),
            models.UniqueConstraint(
                fields=["rsi", "term", "system_organ_class"], name="unique_expected_reaction"
            ),
        ]

    def __str__(self) -> str:
        return self.term or f"{self.system_organ_class} (whole class)"


@audited()
class SponsorAssessment(models.Model):
    """Pharmacovigilance's assessment of one SAE report, as of the report version it read.

    A follow-up report submitted later asks for a new look (`assessed_version` is then behind
    the report's last submitted version); every revision is audited with its reason.
    """

    report = models.OneToOneField(
        SaeReport, on_delete=models.PROTECT, related_name="sponsor_assessment"
    )
    assessed_version = models.PositiveSmallIntegerField(
        help_text=_("Number of the SAE report version assessed (0 initial, n follow-up n).")
    )
    fatal_or_life_threatening = models.BooleanField(
        help_text=_("As reported in the assessed version: sets the SUSAR's 7-day clock.")
    )
    comment = models.TextField(
        _("sponsor's comment"),
        max_length=COMMENT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
    )
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-assessed_at"]

    def __str__(self) -> str:
        return f"Sponsor assessment of {self.report}"


@audited()
class DrugAssessment(models.Model):
    """One suspect drug of an assessment: both causality opinions (the investigator's, as
    reported, is kept beside the sponsor's) and the expectedness against the RSI in force."""

    assessment = models.ForeignKey(
        SponsorAssessment, on_delete=models.CASCADE, related_name="drugs"
    )
    drug = models.CharField(max_length=20, choices=SuspectDrug.choices)
    investigator_causality = models.CharField(max_length=20, choices=SaeCausality.choices)
    sponsor_causality = models.CharField(max_length=20, choices=SponsorCausality.choices)
    sponsor_disagreement = models.CharField(
        _("why the sponsor disagrees with the investigator"),
        max_length=REASON_LENGTH,
        blank=True,
        validators=[no_control_characters],
    )
    rsi = models.ForeignKey(
        ReferenceSafetyInformation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("RSI in force"),
    )
    proposed_expectedness = models.CharField(max_length=20, choices=Expectedness.choices)
    expectedness = models.CharField(max_length=20, choices=Expectedness.choices)
    expectedness_override = models.CharField(
        _("why the expectedness differs from the RSI's"),
        max_length=REASON_LENGTH,
        blank=True,
        validators=[no_control_characters],
    )

    class Meta:
        ordering = ["assessment", "drug"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "drug"], name="one_opinion_per_drug"),
            models.CheckConstraint(
                condition=Q(expectedness=models.F("proposed_expectedness"))
                | ~Q(expectedness_override=""),
                name="expectedness_override_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_drug_display()}: {self.sponsor_causality}, {self.expectedness}"


class Regulator(models.TextChoices):
    EUDRAVIGILANCE = "eudravigilance", _("EudraVigilance (EVCTM)")
    ANSM = "ansm", _("ANSM")
    BOTH = "both", _("ANSM and EudraVigilance")


@audited()
class Susar(models.Model):
    """A suspected unexpected serious adverse reaction, on its regulatory clock.

    Day 0 is the sponsor's first knowledge of the case (the report's `sponsor_received_at`).
    Recording the report to the regulators stops the clock; a fatal or life-threatening SUSAR
    also needs its day-15 follow-up report. A revised assessment that no longer finds a SUSAR
    withdraws it (kept, with the date) rather than deleting it.
    """

    assessment = models.OneToOneField(
        SponsorAssessment, on_delete=models.PROTECT, related_name="susar"
    )
    classified_at = models.DateTimeField()
    sponsor_received_at = models.DateTimeField(help_text=_("Day 0 of the regulatory clock."))
    fatal_or_life_threatening = models.BooleanField()
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a revised assessment no longer found a SUSAR.")
    )
    reported_at = models.DateTimeField(_("reported to the regulators at"), null=True, blank=True)
    reported_to = models.CharField(max_length=20, choices=Regulator.choices, blank=True)
    reference = models.CharField(
        _("regulator's reference"), max_length=100, blank=True, validators=[no_control_characters]
    )
    reported_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_reported_at = models.DateTimeField(null=True, blank=True)
    follow_up_reference = models.CharField(
        max_length=100, blank=True, validators=[no_control_characters]
    )
    follow_up_reported_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The beat task warns once each (pharmacovigilance.susar_clock_sweep).
    due_soon_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sponsor_received_at", "pk"]
        verbose_name = _("SUSAR")
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True)
                | (~Q(reported_to="") & ~Q(reference="") & Q(reported_by__isnull=False)),
                name="susar_report_names_regulator_and_reference",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_reported_at__isnull=True)
                | (Q(reported_at__isnull=False) & ~Q(follow_up_reference="")),
                name="susar_follow_up_after_the_report",
            ),
        ]

    def __str__(self) -> str:
        return f"SUSAR {self.pk} ({self.assessment.report})"
