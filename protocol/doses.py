"""The doses a cycle of each phase plans, per drug: what a recorded dose is compared with.

[setting] The public record (NCT03765541) names the drugs of each regimen, not their doses.
The figures below are usual schedules, chosen for the software until the protocol's treatment
section is copied here (a protocol amendment is a reviewed change of this module):
- amsacrine + cytarabine (intensive salvage): amsacrine 150 mg/m²/day and intermediate-dose
  cytarabine 1 g/m²/day, on days 1-3 for the induction and days 1-2 for each consolidation;
- azacitidine 75 mg/m²/day on days 1-7 of each 28-day cycle (the azacitidine label, and the
  AZA-AML-001 trial: Dombret et al., Blood 2015;126:291-9);
- dexamethasone 40 mg/day on days 1-4 of every cycle (a usual pulse schedule).
Each total is in the unit of the cycle form (visits/crfs.py): mg/m² for the salvage drugs,
mg for dexamethasone. How far a dose may stray before the coordinator is warned is the
setting TRIAL_DOSE_TOLERANCE_PERCENT (default 10%).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from protocol import CyclePhase, Drug

MG_PER_M2 = "mg/m²"
MG = "mg"


@dataclass(frozen=True)
class PlannedDose:
    """One drug's planned total for one cycle of a phase, and the schedule it comes from."""

    phase: CyclePhase
    drug: Drug
    total: Decimal
    unit: str
    schedule: str | Promise  # as people read it, in their language: "150 mg/m²/day, days 1-3"


PLANNED_DOSES: tuple[PlannedDose, ...] = (
    PlannedDose(
        CyclePhase.INDUCTION, Drug.AMSACRINE, Decimal(450), MG_PER_M2, _("150 mg/m²/day, days 1-3")
    ),
    PlannedDose(
        CyclePhase.INDUCTION, Drug.CYTARABINE, Decimal(3000), MG_PER_M2, _("1 g/m²/day, days 1-3")
    ),
    PlannedDose(
        CyclePhase.INDUCTION, Drug.DEXAMETHASONE, Decimal(160), MG, _("40 mg/day, days 1-4")
    ),
    PlannedDose(
        CyclePhase.CONSOLIDATION,
        Drug.AMSACRINE,
        Decimal(300),
        MG_PER_M2,
        _("150 mg/m²/day, days 1-2"),
    ),
    PlannedDose(
        CyclePhase.CONSOLIDATION,
        Drug.CYTARABINE,
        Decimal(2000),
        MG_PER_M2,
        _("1 g/m²/day, days 1-2"),
    ),
    PlannedDose(
        CyclePhase.CONSOLIDATION, Drug.DEXAMETHASONE, Decimal(160), MG, _("40 mg/day, days 1-4")
    ),
    PlannedDose(
        CyclePhase.AZACITIDINE,
        Drug.AZACITIDINE,
        Decimal(525),
        MG_PER_M2,
        _("75 mg/m²/day, days 1-7"),
    ),
    PlannedDose(
        CyclePhase.AZACITIDINE, Drug.DEXAMETHASONE, Decimal(160), MG, _("40 mg/day, days 1-4")
    ),
)


def planned_dose(phase: str, drug: Drug) -> PlannedDose | None:
    """Return the planned dose of a drug in a cycle of this phase; None if none is planned."""
    for dose in PLANNED_DOSES:
        if dose.phase == phase and dose.drug is drug:
            return dose
    return None
