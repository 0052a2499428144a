"""Patients, known only by a pseudonymous study ID, and their screening.

No name, initials or full date of birth is stored anywhere: the hospital keeps the key
between the study ID and the person.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

import protocol
from accounts.models import Site, User
from audit.tracking import audited
from refusals.text import FREE_TEXT_MAX_LENGTH, no_control_characters


@audited()
class Patient(models.Model):
    """A person screened for the trial at one site."""

    study_id = models.CharField(max_length=10, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    sequence = models.PositiveIntegerField(editable=False)
    sex = models.CharField(max_length=1, choices=protocol.Sex.choices)
    year_of_birth = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["site__number", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["site", "sequence"], name="unique_patient_sequence"),
        ]

    def __str__(self) -> str:
        return self.study_id

    @staticmethod
    def format_study_id(site: Site, sequence: int) -> str:
        return f"{site.number:02d}-{sequence:03d}"


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    SCREEN_FAILURE = "screen_failure", "Screen failure"


@audited()
class Screening(models.Model):
    """Consent, eligibility checklist, baseline disease data and the screening outcome."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="screening")
    consent_on = models.DateField("informed consent signed on")
    screened_on = models.DateField("screening visit on")
    age_at_consent = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(120)],
        help_text="Completed years at the date of consent, from the hospital record.",
    )

    # Baseline disease data (required for an eligible patient).
    diagnosis_on = models.DateField("AML first diagnosed on", null=True, blank=True)
    disease_status = models.CharField(
        max_length=30, choices=protocol.DiseaseStatus.choices, blank=True
    )
    disease_status_on = models.DateField(
        "relapse / refractoriness documented on", null=True, blank=True
    )
    ecog = models.PositiveSmallIntegerField(
        "ECOG performance status", null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    wbc = models.DecimalField(
        "white-cell count (×10⁹/L)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    marrow_blasts_pct = models.DecimalField(
        "marrow blasts (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    cytogenetic_risk = models.CharField(
        max_length=20, choices=protocol.CytogeneticRisk.choices, blank=True
    )
    eln_risk = models.CharField(
        "ELN 2017 risk group", max_length=20, choices=protocol.ElnRisk.choices, blank=True
    )
    # {gene: MutationResult} for every gene of protocol.MUTATION_GENES.
    mutations = models.JSONField(default=dict, blank=True)
    prior_lines = models.PositiveSmallIntegerField(
        "prior lines of therapy", null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    prior_allo_hsct = models.BooleanField("prior allo-HSCT", null=True, blank=True)

    outcome = models.CharField(max_length=20, choices=ScreeningOutcome.choices, editable=False)
    failure_reason = models.TextField(blank=True, editable=False)
    note = models.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
        help_text="Anything else the screening log should say.",
    )

    # Counts the corrections of the screening, the checklist and the patient's sex and year
    # of birth (corrected together, on one form): a correction made from an older version
    # than the stored one is refused, so two editors cannot silently undo each other.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_on__lte=models.F("screened_on")),
                name="screening_consent_before_procedures",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="screen_failure") | ~models.Q(failure_reason=""),
                name="screen_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening of {self.patient}"

    @property
    def is_eligible(self) -> bool:
        return self.outcome == ScreeningOutcome.ELIGIBLE

    @property
    def mutation_results(self) -> list[tuple[str, str, str]]:
        """Return (gene, result, label) in the protocol's order of genes."""
        labels = dict(protocol.MutationResult.choices)
        results = self.mutations or {}
        return [
            (gene, results.get(gene, ""), labels.get(results.get(gene, ""), "—"))
            for gene in protocol.MUTATION_GENES
        ]


@audited()
class CriterionAnswer(models.Model):
    """The answer to one eligibility criterion, with the criterion's text as it was asked."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="answers")
    code = models.CharField(max_length=40)
    kind = models.CharField(
        max_length=10, choices=[(k.value, k.value) for k in protocol.CriterionKind]
    )
    text = models.TextField()
    answer = models.BooleanField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "code"], name="unique_criterion_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {'yes' if self.answer else 'no'}"

    @property
    def fails(self) -> bool:
        # Judged on the kind stored with the answer, so an amended checklist cannot rewrite it.
        return self.answer != (self.kind == protocol.CriterionKind.INCLUSION)
