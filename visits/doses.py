"""A cycle's doses against the regimen's plan: what the coordinator is warned of at save time.

A dose outside its plausible range (visits/crfs.py) is refused: a slipped digit or a wrong
unit. A dose inside it but further from the planned dose (protocol/doses.py) than the
tolerance (setting TRIAL_DOSE_TOLERANCE_PERCENT) may be real - a capped dose, a body surface
recomputed - so it is saved, and the coordinator is asked at once to check it. A reduction
declared on the cycle (dose reduced, with its reason) is expected to be below the plan and
is not warned of. Dexamethasone against the arm (given in the control arm, missing in the
dexamethasone arm) is a protocol deviation, recorded and listed; it is also said at once.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from casebook.declarations import number_text
from protocol.doses import planned_dose
from visits.models import TreatmentCycle

# The cycle form's field holding each drug's total.
DOSE_FIELDS: dict[protocol.Drug, str] = {
    protocol.Drug.AMSACRINE: "amsacrine_mg_m2",
    protocol.Drug.CYTARABINE: "cytarabine_mg_m2",
    protocol.Drug.AZACITIDINE: "azacitidine_mg_m2",
    protocol.Drug.DEXAMETHASONE: "dexamethasone_mg",
}

_CYCLE: dict[str, Promise] = {
    protocol.CyclePhase.INDUCTION: gettext_lazy("an induction cycle"),
    protocol.CyclePhase.CONSOLIDATION: gettext_lazy("a consolidation cycle"),
    protocol.CyclePhase.AZACITIDINE: gettext_lazy("an azacitidine cycle"),
}


def _off_plan(cycle: TreatmentCycle, drug: protocol.Drug, tolerance_percent: int) -> str | None:
    dose: Decimal | None = getattr(cycle, DOSE_FIELDS[drug])
    planned = planned_dose(cycle.phase, drug)
    if not dose or planned is None:
        return None
    off_by = (dose - planned.total) / planned.total * 100
    if abs(off_by) <= tolerance_percent or (off_by < 0 and cycle.dose_reduced):
        return None
    percent = number_text(abs(off_by).quantize(Decimal("0.1")))
    facts = {
        "drug": drug.label,
        "dose": number_text(dose),
        "unit": planned.unit,
        "percent": percent,
        "planned": number_text(planned.total),
        "cycle": _CYCLE[cycle.phase],
        "schedule": planned.schedule,
        "tolerance": tolerance_percent,
    }
    if off_by > 0:
        return (
            _(
                "%(drug)s: %(dose)s %(unit)s is %(percent)s%% above the planned %(planned)s "
                "%(unit)s for %(cycle)s (%(schedule)s; tolerance %(tolerance)s%%). Saved: "
                "check the dose."
            )
            % facts
        )
    return (
        _(
            "%(drug)s: %(dose)s %(unit)s is %(percent)s%% below the planned %(planned)s "
            "%(unit)s for %(cycle)s (%(schedule)s; tolerance %(tolerance)s%%). Saved: check "
            "the dose, or tick 'dose reduced' and say why."
        )
        % facts
    )


def cycle_dose_warnings(
    *, cycle: TreatmentCycle, arm: str, tolerance_percent: int
) -> tuple[str, ...]:
    """Return what the coordinator should check in the cycle's doses; empty when on plan."""
    warnings = []
    in_dex_arm = arm == protocol.DEXAMETHASONE_ARM
    if cycle.dexamethasone_given and not in_dex_arm:
        warnings.append(
            _(
                "Dexamethasone is recorded for a patient of the control arm (salvage therapy "
                "alone): a protocol deviation is recorded. Check the entry."
            )
        )
    elif in_dex_arm and not cycle.dexamethasone_given:
        warnings.append(
            _(
                "Dexamethasone is not recorded as given, but the patient is in the dexamethasone "
                "arm: a protocol deviation is recorded. Check the entry."
            )
        )
    # A drug the phase plans no dose of (one outside the regimen, refused by the cycle's
    # checks; dexamethasone in the control arm, warned of above) is not compared.
    compared = [d for d in DOSE_FIELDS if in_dex_arm or d is not protocol.Drug.DEXAMETHASONE]
    warnings += [w for drug in compared if (w := _off_plan(cycle, drug, tolerance_percent))]
    return tuple(warnings)
