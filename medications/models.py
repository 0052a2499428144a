"""Concomitant medications and supportive care: many per patient, each coded (ATC)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.tracking import audited
from medications import drugs
from patients.models import Patient
from refusals.text import no_control_characters
from visits.models import ClinicalRecord, ProtocolDeviation


@audited()
class ConcomitantMedication(ClinicalRecord):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="concomitant_medications"
    )
    drug = models.CharField(_("drug"), max_length=30, choices=drugs.DRUG_CHOICES)
    drug_other = models.CharField(
        _("drug (if 'Other')"),
        max_length=120,
        blank=True,
        validators=[no_control_characters],
        help_text=_(
            "The drug's name (INN) when it is not in the list; its ATC code is then unknown."
        ),
    )
    atc_code = models.CharField(
        _("ATC code"),
        max_length=7,
        blank=True,
        editable=False,
        help_text=_(
            "WHO ATC code of the drug chosen from the list; empty for a drug typed "
            "under 'Other' (ATC unknown)."
        ),
    )
    category = models.CharField(
        _("category"),
        max_length=30,
        choices=drugs.Category.choices,
        help_text=_("A listed drug has its own category; a typed one takes the category given."),
    )
    dose = models.DecimalField(
        _("dose"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    dose_unit = models.CharField(
        _("dose unit"), max_length=10, choices=drugs.DoseUnit.choices, blank=True
    )
    route = models.CharField(_("route"), max_length=20, choices=drugs.Route.choices)
    started_on = models.DateField(_("started on"))
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    ongoing = models.BooleanField(
        default=False,
        help_text=_("Still taken: then no stop date; otherwise give the stop date."),
    )
    indication = models.CharField(max_length=30, choices=drugs.Indication.choices)
    indication_detail = models.CharField(
        _("indication (details)"), max_length=200, blank=True, validators=[no_control_characters]
    )
    # The protocol deviation this medication opened (a control-arm patient's dexamethasone):
    # set by the service, kept when a correction removes its cause (then marked corrected).
    deviation = models.OneToOneField(
        ProtocolDeviation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concomitant_medication",
        editable=False,
    )

    class Meta:
        ordering = ["patient", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True) | Q(stopped_on__gte=F("started_on")),
                name="medication_stops_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.drug_name} from {self.started_on}"

    @property
    def drug_name(self) -> str:
        listed = drugs.DRUGS_BY_CODE.get(self.drug)
        return listed.name if listed else self.drug_other
