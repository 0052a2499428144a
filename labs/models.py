"""Blood counts and transfusions: one record per sample or per transfusion, each linked to
the treatment cycle whose window holds its date (labs/windows.py).

Every record carries a `version` (visits.models.ClinicalRecord): a save made from an
out-of-date form is refused instead of silently overwriting a colleague's.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.tracking import audited
from patients.models import Patient
from visits.models import ClinicalRecord, TreatmentCycle

# Wide enough that a count typed per µL (platelets 150000) reaches the plausible-range
# check, whose message names the unit, rather than a message about digits.
_COUNT: dict[str, Any] = {
    "max_digits": 9,
    "decimal_places": 2,
    "validators": [MinValueValidator(0)],
}


class TransfusionProduct(models.TextChoices):
    RED_CELLS = "red_cells", _("Red blood cells")
    PLATELETS = "platelets", _("Platelets")


@audited()
class BloodCount(ClinicalRecord):
    """One blood sample's counts. ANC and platelets are required: the duration of
    myelosuppression and count recovery are derived from them (labs/derivations.py)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="blood_counts")
    # Set by the service from `cycle_number`, once the date is checked against its window.
    cycle = models.ForeignKey(
        TreatmentCycle,
        on_delete=models.PROTECT,
        related_name="blood_counts",
        null=True,
        editable=False,
    )
    cycle_number = models.PositiveSmallIntegerField(
        _("cycle"), help_text=_("The treatment cycle the sample belongs to (1 = first cycle).")
    )
    sampled_on = models.DateField(
        _("sampled on"),
        help_text=_(
            "Within the cycle's window: from its start to the day before the next "
            "cycle starts (the last cycle: to its day 60)."
        ),
    )
    anc = models.DecimalField(_("ANC (absolute neutrophil count)"), **_COUNT)
    platelets = models.DecimalField(_("platelets"), **_COUNT)
    haemoglobin = models.DecimalField(
        _("haemoglobin"), null=True, blank=True, max_digits=6, decimal_places=1
    )
    wbc = models.DecimalField(_("WBC (white blood cells)"), null=True, blank=True, **_COUNT)
    peripheral_blasts_pct = models.DecimalField(
        _("peripheral blasts"), null=True, blank=True, max_digits=6, decimal_places=1
    )

    class Meta:
        ordering = ["patient", "sampled_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "sampled_on"], name="one_blood_count_per_patient_and_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} counts on {self.sampled_on:%d/%m/%Y}"


@audited()
class Transfusion(ClinicalRecord):
    """One transfusion of red cells or platelets. A platelet transfusion in the 7 days
    before a count hides a platelet recovery (labs/derivations.py)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transfusions")
    cycle = models.ForeignKey(
        TreatmentCycle,
        on_delete=models.PROTECT,
        related_name="transfusions",
        null=True,
        editable=False,
    )
    cycle_number = models.PositiveSmallIntegerField(
        _("cycle"), help_text=_("The treatment cycle the transfusion was given in.")
    )
    given_on = models.DateField(_("given on"))
    product = models.CharField(_("product"), max_length=20, choices=TransfusionProduct.choices)
    units = models.PositiveSmallIntegerField(
        _("units"), help_text=_("Bags (red cells) or adult doses (platelets).")
    )

    class Meta:
        ordering = ["patient", "given_on", "pk"]

    def __str__(self) -> str:
        return f"{self.patient} {self.get_product_display()} on {self.given_on:%d/%m/%Y}"
