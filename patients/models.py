"""Patients, known only by a pseudonymous study ID, and their screening.

No name, initials or full date of birth is stored anywhere: the hospital keeps the key
between the study ID and the person.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import protocol
from accounts.models import Site, User
from audit.tracking import audited
from protocol import prior_therapy
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
    ELIGIBLE = "eligible", _("Eligible")
    SCREEN_FAILURE = "screen_failure", _("Screen failure")


@audited()
class Screening(models.Model):
    """Consent, eligibility checklist, baseline disease data and the screening outcome."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="screening")
    consent_on = models.DateField(_("informed consent signed on"))
    screened_on = models.DateField(_("screening visit on"))
    age_at_consent = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(120)],
        help_text=_("Completed years at the date of consent, from the hospital record."),
    )

    # Baseline disease data (required for an eligible patient).
    diagnosis_on = models.DateField(_("AML first diagnosed on"), null=True, blank=True)
    disease_status = models.CharField(
        max_length=30, choices=protocol.DiseaseStatus.choices, blank=True
    )
    disease_status_on = models.DateField(
        _("relapse / refractoriness documented on"), null=True, blank=True
    )
    ecog = models.PositiveSmallIntegerField(
        _("ECOG performance status"), null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    wbc = models.DecimalField(
        _("white-cell count (×10⁹/L)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    marrow_blasts_pct = models.DecimalField(
        _("marrow blasts (%)"),
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
        _("ELN 2017 risk group"), max_length=20, choices=protocol.ElnRisk.choices, blank=True
    )
    # {gene: MutationResult} for every gene of protocol.MUTATION_GENES.
    mutations = models.JSONField(default=dict, blank=True)
    prior_lines = models.PositiveSmallIntegerField(
        _("prior lines of therapy"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    prior_allo_hsct = models.BooleanField(_("prior allo-HSCT"), null=True, blank=True)

    outcome = models.CharField(max_length=20, choices=ScreeningOutcome.choices, editable=False)
    failure_reason = models.TextField(blank=True, editable=False)
    note = models.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
        help_text=_("Anything else the screening log should say."),
    )

    # Counts the corrections of the screening, the checklist and the patient's sex and year
    # of birth (corrected together, on one form): a correction made from an older version
    # than the stored one is refused, so two editors cannot silently undo each other.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The screening log's order, newest first (the landing page): its first page reads
            # 50 entries of this index instead of sorting every screening of the trial.
            models.Index(
                models.F("screened_on").desc(nulls_last=True), name="screening_newest_first"
            ),
        ]
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
    def failure_lines(self) -> list[str]:
        """The screen-failure reason in the reader's language, one failed criterion a line
        (the stored `failure_reason` stays English, as exported)."""
        from patients.rules import screen_failure_line

        return [screen_failure_line(a.kind, a.text) for a in self.answers.all() if a.fails]

    @property
    def failure_text(self) -> str:
        """The screen-failure reason to show: as stored in English, else translated."""
        if (translation.get_language() or "en").startswith("en"):
            return self.failure_reason
        return "\n".join(self.failure_lines) or self.failure_reason

    @property
    def mutation_results(self) -> list[tuple[str, str, str]]:
        """Return (gene, result, label) in the protocol's order of genes."""
        labels = dict(protocol.MutationResult.choices)
        results = self.mutations or {}
        return [
            (gene, results.get(gene, ""), str(labels.get(results.get(gene, ""), "—")))
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
    def label(self) -> str:
        """The criterion's text as asked, in the reader's language when it is translated."""
        return gettext(self.text)

    @property
    def kind_label(self) -> str:
        return (
            gettext("inclusion")
            if self.kind == protocol.CriterionKind.INCLUSION
            else gettext("exclusion")
        )

    @property
    def fails(self) -> bool:
        # Judged on the kind stored with the answer, so an amended checklist cannot rewrite it.
        return self.answer != (self.kind == protocol.CriterionKind.INCLUSION)


# --- Prior therapy and disease history (issue 13 item 4) -------------------------------
# Entered at screening (before randomization, correctable after with a reason); the
# services (patients/history_services.py) derive the disease status, the CR1 duration and
# the lines of therapy from them (patients/history.py), for the patient's history record.


@audited()
class PriorRegimen(models.Model):
    """One regimen the patient received for AML before the study, with its best response."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prior_regimens")
    regimen = models.CharField(max_length=30, choices=prior_therapy.PriorRegimenName.choices)
    regimen_other = models.CharField(
        _("other regimen"),
        max_length=FREE_TEXT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
        help_text=_("Only for 'Other': the regimen's name."),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    cytarabine_containing = models.BooleanField(
        _("cytarabine-containing"),
        null=True,
        blank=True,
        help_text=_("Derived from a listed regimen (leave empty); say yes or no for 'Other'."),
    )
    best_response = models.CharField(max_length=20, choices=prior_therapy.PriorResponse.choices)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="prior_regimen_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        name = self.regimen_other or self.get_regimen_display()
        return f"{name} from {self.started_on:%d/%m/%Y}"


@audited()
class DiseaseHistory(models.Model):
    """The course of the AML before the study: first remission, relapses, prior allo-HSCT;
    with what the services derive from it and from the prior regimens."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="disease_history"
    )
    first_cr_on = models.DateField(
        _("first complete remission (CR/CRi) on"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the disease never reached a CR or CRi."),
    )
    first_relapse_on = models.DateField(_("first relapse on"), null=True, blank=True)
    relapses = models.PositiveSmallIntegerField(
        _("relapses before study entry"),
        default=0,
        help_text=_("Counting the relapse that brings the patient to the study; 0 if never in CR."),
    )
    prior_hsct_on = models.DateField(
        _("prior allo-HSCT on"), null=True, blank=True, help_text=_("Empty: no prior allo-HSCT.")
    )

    # Derived by the services whenever the history, a prior regimen or the screening changes.
    disease_status_derived = models.CharField(
        _("disease status (derived)"),
        max_length=30,
        choices=protocol.DiseaseStatus.choices,
        blank=True,
    )
    cr1_days = models.PositiveIntegerField(_("CR1 duration"), null=True, blank=True)
    relapse_timing = models.CharField(
        _("first relapse (early / late)"),
        max_length=10,
        choices=prior_therapy.RelapseTiming.choices,
        blank=True,
    )
    prior_lines_counted = models.PositiveSmallIntegerField(
        _("prior lines of therapy (counted)"), null=True, blank=True
    )
    prior_cytarabine = models.BooleanField(_("prior cytarabine exposure"), null=True, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = _("disease histories")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_relapse_on__isnull=True)
                | models.Q(first_cr_on__isnull=False, first_relapse_on__gt=models.F("first_cr_on")),
                name="disease_history_relapse_after_first_cr",
            ),
        ]

    def __str__(self) -> str:
        return f"Disease history of {self.patient}"
