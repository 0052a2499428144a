"""Prior therapy and disease history before study entry, as declared data (issue 13 item 4).

The coded list of prior regimens with what each tells (cytarabine in it, an intensive
induction, a consolidation that continues the line before it), the best responses a
regimen can have reached, and the cut-off between an early and a late first relapse.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PriorRegimenName(models.TextChoices):
    SEVEN_PLUS_THREE = "7+3", _("7+3 (daunorubicin-cytarabine)")
    IDARUBICIN_CYTARABINE = "ida_arac", _("Idarubicin-cytarabine")
    CPX_351 = "cpx_351", _("CPX-351 (liposomal daunorubicin-cytarabine)")
    FLAG_IDA = "flag_ida", _("FLAG-Ida")
    HIDAC_CONSOLIDATION = "hidac", _("High-dose cytarabine consolidation")
    AZACITIDINE = "azacitidine", _("Azacitidine")
    DECITABINE = "decitabine", _("Decitabine")
    VENETOCLAX_AZACITIDINE = "ven_aza", _("Venetoclax-azacitidine")
    GILTERITINIB = "gilteritinib", _("Gilteritinib")
    MIDOSTAURIN_CHEMO = "midostaurin_chemo", _("Midostaurin + intensive chemotherapy")
    OTHER = "other", _("Other (specify)")


@dataclass(frozen=True)
class RegimenFacts:
    """What a listed regimen tells without asking: cytarabine in it, an intensive
    induction (refractoriness to it makes primary refractory disease), a consolidation
    (continues the line of therapy before it, so it is not a new line)."""

    cytarabine: bool
    intensive_induction: bool = False
    consolidation: bool = False


# Every listed regimen but "other", whose facts the coordinator gives.
REGIMEN_FACTS: dict[str, RegimenFacts] = {
    PriorRegimenName.SEVEN_PLUS_THREE: RegimenFacts(cytarabine=True, intensive_induction=True),
    PriorRegimenName.IDARUBICIN_CYTARABINE: RegimenFacts(cytarabine=True, intensive_induction=True),
    PriorRegimenName.CPX_351: RegimenFacts(cytarabine=True, intensive_induction=True),
    PriorRegimenName.FLAG_IDA: RegimenFacts(cytarabine=True, intensive_induction=True),
    PriorRegimenName.HIDAC_CONSOLIDATION: RegimenFacts(cytarabine=True, consolidation=True),
    PriorRegimenName.AZACITIDINE: RegimenFacts(cytarabine=False),
    PriorRegimenName.DECITABINE: RegimenFacts(cytarabine=False),
    PriorRegimenName.VENETOCLAX_AZACITIDINE: RegimenFacts(cytarabine=False),
    PriorRegimenName.GILTERITINIB: RegimenFacts(cytarabine=False),
    PriorRegimenName.MIDOSTAURIN_CHEMO: RegimenFacts(cytarabine=True, intensive_induction=True),
}


class PriorResponse(models.TextChoices):
    """The best response a prior regimen reached (ELN 2017), best first."""

    CR = "CR", _("Complete remission (CR)")
    CRI = "CRi", _("CR with incomplete haematological recovery (CRi)")
    MLFS = "MLFS", _("Morphologic leukaemia-free state (MLFS)")
    PR = "PR", _("Partial remission (PR)")
    NO_RESPONSE = "no_response", _("No response")
    NOT_EVALUABLE = "not_evaluable", _("Not evaluable")


# A first complete remission is a CR or a CRi (PROTOCOL.md: primary refractory disease never
# reached one).
PRIOR_REMISSIONS = (PriorResponse.CR, PriorResponse.CRI)


class RelapseTiming(models.TextChoices):
    """The first relapse, by the duration of the first complete remission (CR1)."""

    EARLY = "early", _("Early relapse (CR1 shorter than 12 months)")
    LATE = "late", _("Late relapse (CR1 of 12 months or more)")


# [setting] PROTOCOL.md names the disease statuses (primary refractory, first relapse, later
# relapse, relapse after allo-HSCT) but gives no cut-off for an early relapse: the usual one
# (ELN; the ELN 2017 relapse risk scores) is a CR1 shorter than 12 calendar months.
EARLY_RELAPSE_CR1_MONTHS = 12
