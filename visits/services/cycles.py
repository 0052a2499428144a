"""Treatment cycles: numbered and phased by the regimen, checked against their neighbours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pghistory
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.doses import DOSE_FIELDS, cycle_dose_warnings
from visits.models import ResponseAssessment, TreatmentCycle
from visits.services.deviations import cycle_deviations_check
from visits.services.entry import Saved, add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update

# The salvage drugs, each required in its regimen's cycles and refused in the other's.
_SALVAGE_DOSE_FIELDS = {
    drug: field for drug, field in DOSE_FIELDS.items() if drug is not protocol.Drug.DEXAMETHASONE
}


# --- Treatment cycles -----------------------------------------------------------------


def _cycle_errors(records: PatientRecords, cycle: TreatmentCycle) -> Errors:
    """The edit checks of one cycle against the plan of the regimen and its neighbours."""
    plan = records.plan
    errors = date_errors(records, {"started_on": cycle.started_on, "ended_on": cycle.ended_on})
    others = [c for c in records.cycles if c.pk != cycle.pk]
    previous = next((c for c in reversed(others) if c.number < cycle.number), None)
    following = next((c for c in others if c.number > cycle.number), None)
    if cycle.ended_on and cycle.started_on and cycle.ended_on < cycle.started_on:
        add_error(
            errors,
            "ended_on",
            f"A cycle cannot end ({cycle.ended_on:%d/%m/%Y}) before it "
            f"starts ({cycle.started_on:%d/%m/%Y}).",
        )
    if plan.max_cycles is not None and cycle.number > plan.max_cycles:
        add_error(
            errors,
            "started_on",
            f"The {plan.regimen.label.lower()} regimen allows "
            f"{plan.max_cycles} cycles (1 induction and up to "
            f"{plan.max_cycles - 1} consolidations).",
        )
    if previous is not None:
        if previous.ended_on is None:
            add_error(
                errors,
                "started_on",
                f"Cycle {previous.number} is still open: record its end "
                "date first (one open cycle at a time).",
            )
        elif cycle.started_on and cycle.started_on <= previous.ended_on:
            add_error(
                errors,
                "started_on",
                f"Cycle {cycle.number} must start after cycle "
                f"{previous.number} ended ({previous.ended_on:%d/%m/%Y}).",
            )
        if (
            plan.cycle_length_days
            and cycle.started_on
            and cycle.started_on < previous.started_on + dt.timedelta(days=plan.cycle_length_days)
        ):
            earliest = previous.started_on + dt.timedelta(days=plan.cycle_length_days)
            add_error(
                errors,
                "started_on",
                f"Azacitidine cycles last {plan.cycle_length_days} days: "
                f"cycle {cycle.number} cannot start before "
                f"{earliest:%d/%m/%Y}.",
            )
    if following is not None:
        if cycle.ended_on is None:
            add_error(
                errors, "ended_on", f"Cycle {following.number} has started: this cycle ended."
            )
        elif cycle.ended_on >= following.started_on:
            add_error(
                errors,
                "ended_on",
                f"Must be before cycle {following.number} started "
                f"({following.started_on:%d/%m/%Y}).",
            )
    eot = records.end_of_treatment
    if eot is not None and cycle.started_on and cycle.started_on > eot.ended_on:
        add_error(
            errors,
            "started_on",
            f"Treatment ended on {eot.ended_on:%d/%m/%Y}: no cycle "
            "can start after the end of treatment.",
        )
    elif eot is not None and (cycle.ended_on is None or cycle.ended_on > eot.ended_on):
        add_error(
            errors,
            "ended_on",
            f"Treatment ended on {eot.ended_on:%d/%m/%Y}: the cycle must have ended by then.",
        )
    first_response = min((r.assessed_on for r in records.responses), default=None)
    if (
        cycle.number == 1
        and first_response
        and cycle.started_on
        and cycle.started_on > first_response
    ):
        add_error(
            errors,
            "started_on",
            f"A response was assessed on {first_response:%d/%m/%Y}: cycle 1 started before it.",
        )
    for drug, field in _SALVAGE_DOSE_FIELDS.items():
        dose = getattr(cycle, field)
        if drug in plan.drugs and (dose is None or dose <= 0):
            add_error(errors, field, f"Required for a {plan.regimen.label.lower()} cycle.")
        if drug not in plan.drugs and dose:
            add_error(
                errors,
                field,
                f"{drug.label} is not part of the {plan.regimen.label.lower()} regimen.",
            )
    if cycle.dexamethasone_given and not cycle.dexamethasone_mg:
        add_error(errors, "dexamethasone_mg", "Give the total dose of dexamethasone given.")
    if not cycle.dexamethasone_given and cycle.dexamethasone_mg:
        add_error(
            errors,
            "dexamethasone_mg",
            "A dose is recorded but dexamethasone is marked as not given.",
        )
    if (cycle.delay_days or cycle.dose_reduced) and not cycle.modification_note.strip():
        add_error(errors, "modification_note", "Say why the cycle was delayed or reduced.")
    return errors


def _warnings(records: PatientRecords, cycle: TreatmentCycle) -> tuple[str, ...]:
    return cycle_dose_warnings(
        cycle=cycle,
        arm=records.randomization.arm,
        tolerance_percent=settings.TRIAL_DOSE_TOLERANCE_PERCENT,
    )


@transaction.atomic
def cycle_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> Saved[TreatmentCycle]:
    """Record the next treatment cycle; its number and phase follow from the regimen.

    Saved with the warnings its doses raise (off the planned dose, dexamethasone against
    the arm), for the coordinator to check at once.
    """
    records = patient_records_for_update(patient, user)
    number = len(records.cycles) + 1
    cycle = TreatmentCycle(
        patient=records.patient, number=number, phase=records.plan.phase_of(number), created_by=user
    )
    entry_validate(cycle, values, form=crfs.CYCLE, records=records, check=_cycle_errors)
    record_create(cycle, user=user)
    cycle_deviations_check(records, cycle)
    _responses_after_cycle_refresh(records.patient, user)
    return Saved(cycle, _warnings(records, cycle))


@transaction.atomic
def cycle_update(
    *,
    cycle: TreatmentCycle,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Saved[TreatmentCycle]:
    """Correct a cycle; the checks run again against its neighbours, and its doses are
    compared with the plan again."""
    records = patient_records_for_update(cycle.patient, user)
    cycle = next(c for c in records.cycles if c.pk == cycle.pk)
    entry_validate(cycle, values, form=crfs.CYCLE, records=records, check=_cycle_errors)
    record_update(cycle, fields=values.keys(), expected_version=version, user=user, reason=reason)
    cycle_deviations_check(records, cycle)
    _responses_after_cycle_refresh(records.patient, user)
    return Saved(cycle, _warnings(records, cycle))


def _responses_after_cycle_refresh(patient: Patient, user: User) -> None:
    """Keep each response's `after_cycle` true when cycles are keyed in or corrected later:
    the formal response evaluation (EFS's induction failure) is read from it."""
    starts = sorted(
        TreatmentCycle.objects.filter(patient=patient).values_list("started_on", "number")
    )
    now = timezone.now()
    with pghistory.context(user=user.pk, reason="Cycle of the response recomputed"):
        for response in ResponseAssessment.objects.filter(patient=patient):
            after = max((n for on, n in starts if on <= response.assessed_on), default=None)
            if after != response.after_cycle:
                ResponseAssessment.objects.filter(pk=response.pk).update(
                    after_cycle=after, version=F("version") + 1, updated_at=now
                )
