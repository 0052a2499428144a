"""The leukaemia's biology: one record per specimen (karyotype and mutations), at screening
and again at an on-study relapse.

Every record carries a `version` (visits.models.ClinicalRecord): a save made from an
out-of-date form is refused instead of silently overwriting a colleague's.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

import protocol
from audit.tracking import audited
from patients.models import Patient
from refusals.text import no_control_characters
from visits.models import ClinicalRecord

MUTATION_DETECTED = protocol.MutationResult.DETECTED


class SpecimenTimepoint(models.TextChoices):
    SCREENING = "screening", _("Screening (disease at entry)")
    RELAPSE = "relapse", _("On-study relapse or progression")


class KaryotypeResult(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ABNORMAL = "abnormal", _("Abnormal")
    FAILED = "failed", _("Failed / not done")


def _abnormality(label: Any, help_text: Any = "") -> Any:
    return models.BooleanField(label, default=False, help_text=help_text)


def _result(gene: Any, help_text: Any = "") -> Any:
    return models.CharField(
        gene,
        max_length=20,
        choices=protocol.MutationResult.choices,
        default=protocol.MutationResult.NOT_TESTED,
        help_text=help_text,
    )


def _vaf(gene: str) -> Any:
    return models.DecimalField(
        f"{gene} VAF (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Variant allele frequency, where the laboratory reports it; only for a "
            "mutation detected."
        ),
    )


@audited()
class Specimen(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="biology_specimens")
    collected_on = models.DateField(_("specimen collected on"))
    timepoint = models.CharField(
        _("timepoint"),
        max_length=20,
        choices=SpecimenTimepoint.choices,
        help_text=_(
            "Screening: the specimen of the disease at entry (one per patient, on or "
            "before the randomization), from which the ELN risk is derived. On-study relapse: "
            "re-testing after a relapse or progression recorded in the casebook."
        ),
    )
    karyotype = models.CharField(
        _("karyotype result"), max_length=20, choices=KaryotypeResult.choices
    )
    karyotype_iscn = models.CharField(
        _("karyotype (ISCN)"),
        max_length=500,
        blank=True,
        validators=[no_control_characters],
        help_text=_("As the cytogenetics report writes it, e.g. 46,XX,t(9;11)(p21.3;q23.3)[20]."),
    )
    t_8_21 = _abnormality("t(8;21)(q22;q22.1) RUNX1::RUNX1T1")
    inv_16 = _abnormality("inv(16)(p13.1q22) or t(16;16)(p13.1;q22) CBFB::MYH11")
    t_15_17 = _abnormality(
        "t(15;17)(q24.1;q21.2) PML::RARA",
        _("Acute promyelocytic leukaemia: excluded from the trial (not eligible)."),
    )
    t_9_11 = _abnormality("t(9;11)(p21.3;q23.3) MLLT3::KMT2A")
    t_6_9 = _abnormality("t(6;9)(p23;q34.1) DEK::NUP214")
    kmt2a_rearranged = _abnormality(
        _("t(v;11q23.3) KMT2A rearranged (other than t(9;11))"),
        _("Not a KMT2A partial duplication."),
    )
    t_9_22 = _abnormality("t(9;22)(q34.1;q11.2) BCR::ABL1")
    t_8_16 = _abnormality("t(8;16)(p11.2;p13.3) KAT6A::CREBBP")
    inv_3 = _abnormality("inv(3)(q21.3q26.2) or t(3;3)(q21.3;q26.2) GATA2, MECOM")
    mecom_rearranged = _abnormality(_("t(3q26.2;v) MECOM rearranged"))
    del_5q = _abnormality("-5 or del(5q)")
    monosomy_7 = _abnormality("-7")
    abn_17p = _abnormality("-17 / abn(17p)")
    complex_karyotype = _abnormality(
        _("complex karyotype (≥ 3 unrelated abnormalities)"),
        _(
            "Three or more unrelated abnormalities, without a recurring translocation or "
            "inversion named above."
        ),
    )
    monosomal_karyotype = _abnormality(
        _("monosomal karyotype"),
        _(
            "Two or more autosomal monosomies, or one with at least one structural abnormality "
            "(not in core-binding factor AML)."
        ),
    )

    npm1 = _result("NPM1")
    npm1_vaf = _vaf("NPM1")
    flt3_itd = _result("FLT3-ITD")
    flt3_itd_vaf = _vaf("FLT3-ITD")
    flt3_itd_allelic_ratio = models.DecimalField(
        _("FLT3-ITD allelic ratio"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Mutant to wild-type (ELN 2017: low below 0.5, high from 0.5); only for a "
            "FLT3-ITD detected."
        ),
    )
    flt3_tkd = _result("FLT3-TKD")
    flt3_tkd_vaf = _vaf("FLT3-TKD")
    cebpa_biallelic = _result(_("CEBPA biallelic"), _("ELN 2017's favourable CEBPA."))
    cebpa_bzip = _result(
        _("CEBPA bZIP in-frame"), _("ELN 2022's favourable CEBPA (mono- or biallelic).")
    )
    cebpa_bzip_vaf = _vaf("CEBPA bZIP")
    runx1 = _result("RUNX1")
    runx1_vaf = _vaf("RUNX1")
    asxl1 = _result("ASXL1")
    asxl1_vaf = _vaf("ASXL1")
    tp53 = _result("TP53", _("ELN 2022 counts TP53 at a VAF of at least 10 %."))
    tp53_vaf = _vaf("TP53")
    kit = _result("KIT")
    kit_vaf = _vaf("KIT")
    idh1 = _result("IDH1")
    idh1_vaf = _vaf("IDH1")
    idh2 = _result("IDH2")
    idh2_vaf = _vaf("IDH2")
    bcor = _result("BCOR")
    bcor_vaf = _vaf("BCOR")
    ezh2 = _result("EZH2")
    ezh2_vaf = _vaf("EZH2")
    sf3b1 = _result("SF3B1")
    sf3b1_vaf = _vaf("SF3B1")
    srsf2 = _result("SRSF2")
    srsf2_vaf = _vaf("SRSF2")
    stag2 = _result("STAG2")
    stag2_vaf = _vaf("STAG2")
    u2af1 = _result("U2AF1")
    u2af1_vaf = _vaf("U2AF1")
    zrsr2 = _result("ZRSR2")
    zrsr2_vaf = _vaf("ZRSR2")

    class Meta:
        ordering = ["patient", "collected_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(timepoint="screening"),
                name="one_screening_specimen_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} biology {self.timepoint} {self.collected_on}"

    @property
    def abnormalities_found(self) -> list[str]:
        """The structured abnormalities ticked, as their labels (for the timeline)."""
        return [
            str(field.verbose_name)
            for field in self._meta.concrete_fields
            if isinstance(field, models.BooleanField) and getattr(self, field.name)
        ]

    @property
    def mutations_detected(self) -> list[str]:
        """Each mutation detected, with its VAF where known: "NPM1 (VAF 41.5 %)"."""
        found = []
        for field in self._meta.concrete_fields:
            if field.choices is None or getattr(self, field.name) != MUTATION_DETECTED:
                continue
            vaf = getattr(self, f"{field.name}_vaf", None)
            found.append(
                f"{field.verbose_name} (VAF {number_format(vaf.normalize())} %)"
                if vaf
                else str(field.verbose_name)
            )
        return found
