"""Treatment, response, transplant, end of treatment, follow-up, off-study and safety records.

Every record carries a `version`, incremented on each save through the services: a save
made from an out-of-date form is refused instead of silently overwriting a colleague's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

import protocol
from accounts.models import User
from audit.tracking import audited
from patients.models import Patient
from refusals.text import no_control_characters
from visits.ctcae import term_label as ctcae_term_label

_DOSE: dict[str, Any] = {
    "max_digits": 8,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0)],
}
_COUNT: dict[str, Any] = {
    "max_digits": 7,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0)],
}


class ClinicalRecord(models.Model):
    """What every record of a randomized patient has: versioning and who made it."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        abstract = True


@audited()
class TreatmentCycle(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cycles")
    number = models.PositiveSmallIntegerField(editable=False)
    phase = models.CharField(max_length=20, choices=protocol.CyclePhase.choices, editable=False)
    started_on = models.DateField(_("cycle started on"))
    ended_on = models.DateField(
        _("cycle ended on"),
        null=True,
        blank=True,
        help_text=_("Leave empty while the cycle is running; only one cycle may be open."),
    )
    amsacrine_mg_m2 = models.DecimalField(_("amsacrine (mg/m², total)"), **_DOSE)
    cytarabine_mg_m2 = models.DecimalField(_("cytarabine (mg/m², total)"), **_DOSE)
    azacitidine_mg_m2 = models.DecimalField(_("azacitidine (mg/m², total)"), **_DOSE)
    dexamethasone_given = models.BooleanField(_("dexamethasone given"))
    dexamethasone_mg = models.DecimalField(_("dexamethasone (mg, total)"), **_DOSE)
    delay_days = models.PositiveSmallIntegerField(_("delay (days)"), default=0)
    dose_reduced = models.BooleanField(_("dose reduced"), default=False)
    modification_note = models.CharField(
        _("delay / reduction reason"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="unique_cycle_number"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ended_on__isnull=True),
                name="one_open_cycle_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cycle_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} cycle {self.number} ({self.get_phase_display()})"

    def given_on(self, day: dt.date) -> bool:
        """Whether the cycle's salvage therapy was being given that day (from its start to
        its end, both recorded)."""
        return bool(self.started_on and self.ended_on and self.started_on <= day <= self.ended_on)


@audited()
class ResponseAssessment(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="responses")
    assessed_on = models.DateField(_("assessed on"))
    # Which assessment this is; the protocol evaluation (end of induction, post cycle 3)
    # decides induction failure in EFS. The services hold it to the patient's course.
    timepoint = models.CharField(
        max_length=20,
        choices=protocol.ResponseTimepoint.choices,
        help_text=_(
            "The protocol evaluation (end of induction for intensive chemotherapy, "
            "after 3 completed cycles for azacitidine), a later cycle, follow-up, or unscheduled "
            "(e.g. a day-14 marrow). Proposed from the patient's course."
        ),
    )
    after_cycle = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    category = models.CharField(max_length=20, choices=protocol.ResponseCategory.choices)
    marrow_blasts_pct = models.DecimalField(
        _("marrow blasts (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    anc = models.DecimalField(_("ANC (×10⁹/L)"), **_COUNT)
    platelets = models.DecimalField(_("platelets (×10⁹/L)"), **_COUNT)
    circulating_blasts = models.BooleanField(_("blasts in peripheral blood"), default=False)
    auer_rods = models.BooleanField(_("blasts with Auer rods"), default=False)
    extramedullary_disease = models.BooleanField(default=False)
    transfusion_dependent = models.BooleanField(default=False)
    mrd_negative = models.BooleanField(_("MRD negative (< 10⁻³ by flow)"), null=True, blank=True)

    class Meta:
        ordering = ["patient", "assessed_on", "pk"]
        constraints = [
            # The last line of defence behind the service's refusal: one protocol evaluation.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(timepoint__in=protocol.PROTOCOL_EVALUATIONS),
                name="one_protocol_evaluation_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.category} on {self.assessed_on}"


_FRACTION: dict[str, Any] = {
    "max_digits": 11,
    "decimal_places": 10,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}


@audited()
class MrdAssessment(ClinicalRecord):
    """Measurable residual disease, many per patient: the assay, its sensitivity, the result,
    and the negativity the services derive from them (visits/mrd.py)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="mrd_assessments")
    assessed_on = models.DateField(_("sample taken on"))
    timepoint = models.CharField(max_length=30, choices=protocol.MrdTimepoint.choices)
    method = models.CharField(max_length=20, choices=protocol.MrdMethod.choices)
    method_other = models.CharField(
        _("other method"), max_length=120, blank=True, validators=[no_control_characters]
    )
    sensitivity = models.DecimalField(
        _("assay sensitivity"),
        help_text=_(
            "The lowest fraction the assay detects, as a decimal: 0.001 for 10⁻³, "
            "0.0001 for 10⁻⁴, 0.00001 for 10⁻⁵."
        ),
        **_FRACTION,
    )
    result = models.CharField(max_length=20, choices=protocol.MrdResult.choices)
    value = models.DecimalField(
        _("MRD value (fraction)"),
        help_text=_(
            "Residual leukaemic cells (flow) or NPM1 transcript ratio (qPCR), as a "
            "fraction between 0 and 1: 0.0005 for 5 × 10⁻⁴. Only for a detected result."
        ),
        **_FRACTION,
    )
    negative = models.BooleanField(_("MRD negative"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["patient", "assessed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result="value", value__isnull=False)
                | Q(result="below_sensitivity", value__isnull=True),
                name="mrd_value_only_when_detected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} MRD on {self.assessed_on}"


@audited()
class Transplant(ClinicalRecord):
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="transplant")
    transplanted_on = models.DateField(_("allo-HSCT on"))
    donor_type = models.CharField(max_length=30, choices=protocol.DonorType.choices)
    conditioning = models.CharField(max_length=10, choices=protocol.Conditioning.choices)
    # Empty only on transplants recorded before the item existed: every entry and correction
    # gives it, or takes it from the last response before the HSCT (services/transplant.py).
    disease_status = models.CharField(
        _("disease status at HSCT"),
        max_length=10,
        choices=protocol.DiseaseStatusAtTransplant.choices,
        blank=True,
        help_text=_("Left empty: taken from the last response assessed on or before the HSCT."),
    )
    mrd_status = models.CharField(
        _("MRD at HSCT"),
        max_length=10,
        choices=protocol.MrdAtTransplant.choices,
        blank=True,
        help_text=_("If known."),
    )
    # Added by issue 13: empty on transplants recorded before.
    graft_source = models.CharField(
        max_length=10, choices=protocol.GraftSource.choices, blank=True, help_text=_("If known.")
    )

    def __str__(self) -> str:
        return f"{self.patient} allo-HSCT on {self.transplanted_on}"


@audited()
class PostTransplantEvent(ClinicalRecord):
    """What follows the allo-HSCT, many per patient: a second HSCT, donor lymphocyte
    infusions, acute and chronic GVHD. Each is linked to the HSCT it follows (`after_hsct`,
    1 or 2, set by the services); the first HSCT is the Transplant record."""

    Kind = protocol.TransplantEventKind

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transplant_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(
        _("date"), help_text=_("Of the HSCT, the infusion, or the onset.")
    )
    after_hsct = models.PositiveSmallIntegerField(
        _("after HSCT number"), editable=False, help_text=_("The HSCT (1st or 2nd) it follows.")
    )
    # A second HSCT: as the first is described.
    donor_type = models.CharField(max_length=30, choices=protocol.DonorType.choices, blank=True)
    conditioning = models.CharField(
        max_length=10, choices=protocol.Conditioning.choices, blank=True
    )
    graft_source = models.CharField(max_length=10, choices=protocol.GraftSource.choices, blank=True)
    disease_status = models.CharField(
        _("disease status at HSCT"),
        max_length=10,
        choices=protocol.DiseaseStatusAtTransplant.choices,
        blank=True,
    )
    mrd_status = models.CharField(
        _("MRD at HSCT"), max_length=10, choices=protocol.MrdAtTransplant.choices, blank=True
    )
    # A donor lymphocyte infusion.
    dli_cd3_per_kg = models.DecimalField(
        _("DLI dose (CD3+ cells ×10⁶/kg)"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    acute_gvhd_grade = models.PositiveSmallIntegerField(
        _("acute GVHD grade"), choices=protocol.AcuteGvhdGrade.choices, null=True, blank=True
    )
    chronic_gvhd_severity = models.CharField(
        _("chronic GVHD severity"),
        max_length=10,
        choices=protocol.ChronicGvhdSeverity.choices,
        blank=True,
    )

    class Meta:
        ordering = ["patient", "occurred_on", "pk"]
        constraints = [
            # The last line of defence behind the service's refusal: one second HSCT.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind="second_hsct"),
                name="one_second_hsct_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.get_kind_display()} on {self.occurred_on}"


@audited()
class EndOfTreatment(ClinicalRecord):
    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="end_of_treatment"
    )
    ended_on = models.DateField(_("treatment ended on"))
    reason = models.CharField(max_length=20, choices=protocol.EndOfTreatmentReason.choices)
    note = models.CharField(max_length=300, blank=True, validators=[no_control_characters])

    def __str__(self) -> str:
        return f"{self.patient} end of treatment on {self.ended_on}"


@audited()
class FollowUpVisit(ClinicalRecord):
    """A planned follow-up visit, with its window; filled in when done, or marked missed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="followup_visits")
    # The visit's name in the schedule: months after the end of treatment (M3, M6, ... M30).
    month = models.PositiveSmallIntegerField(editable=False)
    target_on = models.DateField(editable=False)
    window_opens_on = models.DateField(editable=False)
    window_closes_on = models.DateField(editable=False)
    performed_on = models.DateField(_("visit done on"), null=True, blank=True)
    vital_status = models.CharField(max_length=10, choices=protocol.VitalStatus.choices, blank=True)
    disease_status = models.CharField(
        max_length=20, choices=protocol.FollowUpDiseaseStatus.choices, blank=True
    )
    new_therapy = models.CharField(
        _("new anti-leukaemic therapy since last visit"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
    transplant_since_last = models.BooleanField(
        _("allo-HSCT since last visit"), null=True, blank=True
    )
    missed_reason = models.CharField(max_length=300, blank=True, validators=[no_control_characters])

    class Meta:
        ordering = ["patient", "month"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "month"], name="unique_followup_month"),
            models.CheckConstraint(
                condition=Q(performed_on__isnull=True) | Q(missed_reason=""),
                name="followup_done_or_missed_not_both",
            ),
        ]
        indexes = [
            # The worklist's visits still owed whose window has opened: not the years of
            # visits scheduled ahead for every patient in follow-up.
            models.Index(
                fields=["window_opens_on"],
                condition=Q(performed_on__isnull=True, missed_reason=""),
                name="owed_visits_by_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} follow-up {self.label}"

    @property
    def label(self) -> str:
        return f"M{self.month}"

    @property
    def is_completed(self) -> bool:
        """Done or missed: kept as it is when the schedule is rebuilt."""
        return self.performed_on is not None or bool(self.missed_reason)


@audited()
class AdverseEvent(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    term = models.CharField(_("CTCAE v5.0 term"), max_length=120)
    term_specified = models.CharField(
        _("term (if 'Other, specify')"),
        max_length=200,
        blank=True,
        validators=[no_control_characters],
    )
    grade = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(protocol.FATAL_GRADE)]
    )
    serious = models.BooleanField(_("serious (SAE)"), default=False)
    onset_on = models.DateField(_("onset on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    related_to_dexamethasone = models.CharField(
        max_length=20,
        choices=protocol.Relatedness.choices,
        help_text=_(
            "'Not applicable' only for a control-arm patient who received no "
            "dexamethasone before the onset; then it is required."
        ),
    )
    related_to_salvage = models.CharField(
        _("related to salvage therapy"),
        max_length=20,
        choices=[(r.value, r.label) for r in protocol.RELATEDNESS_JUDGED],
    )
    action_taken = models.CharField(
        max_length=20, choices=protocol.ActionTaken.choices, default=protocol.ActionTaken.NONE
    )
    sae_reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sae_reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["patient", "onset_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("onset_on")),
                name="adverse_event_resolves_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.display_term} grade {self.grade}"

    @property
    def display_term(self) -> str:
        return self.term_specified or self.term

    @property
    def term_label(self) -> str:
        """The term as the reader's language shows it: "Anémie (Anemia)" in French; the
        coded English term (display_term) is what exports and the API carry."""
        return self.term_specified or ctcae_term_label(self.term)


@audited()
class OffStudy(ClinicalRecord):
    """Death, consent withdrawal, loss to follow-up, end of study or follow-up completed: the
    end of the patient's schedule."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="off_study")
    reason = models.CharField(max_length=20, choices=protocol.OffStudyReason.choices)
    event_on = models.DateField(
        help_text=_("Date of death, of withdrawal, or else the last date known alive.")
    )
    death_cause = models.CharField(max_length=20, choices=protocol.DeathCause.choices, blank=True)
    fatal_adverse_event = models.OneToOneField(
        AdverseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data_use = models.CharField(
        _("data that may still be used"),
        max_length=20,
        choices=protocol.WithdrawnDataUse.choices,
        blank=True,
    )
    note = models.CharField(max_length=300, blank=True, validators=[no_control_characters])

    class Meta:
        verbose_name_plural = _("off-study events")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="death") | ~Q(death_cause=""), name="death_has_a_cause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.get_reason_display()} on {self.event_on}"


@audited()
class ProtocolDeviation(models.Model):
    """A departure from the protocol found by the system; kept and listed, never blocking."""

    Kind = protocol.DeviationKind  # declared with each kind's severity in protocol/

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="deviations")
    cycle = models.ForeignKey(
        TreatmentCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="deviations"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The kind's severity when found (protocol.DEVIATION_SEVERITIES), kept as it was then.
    severity = models.CharField(max_length=10, choices=protocol.DeviationSeverity.choices)
    description = models.CharField(max_length=300, validators=[no_control_characters])
    detected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    corrected_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a correction of the record removed the cause.")
    )

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="one_deviation_per_cycle_kind"),
        ]
        indexes = [
            # The dashboard's most serious and recent open deviations, in the index's order.
            models.Index(
                fields=["severity", "-detected_at"],
                condition=Q(corrected_at__isnull=True),
                name="open_deviations_by_severity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.get_kind_display()}"
