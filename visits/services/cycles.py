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
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import INITIAL_ENTRY, reason_for_change, record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.doses import DOSE_FIELDS, cycle_dose_warnings
from visits.models import ResponseAssessment, TreatmentCycle
from visits.services.deviations import cycle_deviations_check
from visits.services.entry import Saved, add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update

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
            _("A cycle cannot end (%(ended_on)s) before it starts (%(started_on)s).")
            % {"ended_on": day_text(cycle.ended_on), "started_on": day_text(cycle.started_on)},
        )
    if plan.max_cycles is not None and cycle.number > plan.max_cycles:
        add_error(
            errors,
            "started_on",
            _(
                "The %(regimen)s regimen allows %(max_cycles)s cycles (1 induction and up to "
                "%(consolidations)s consolidations)."
            )
            % {
                "regimen": plan.regimen.label.lower(),
                "max_cycles": plan.max_cycles,
                "consolidations": plan.max_cycles - 1,
            },
        )
    if previous is not None:
        if previous.ended_on is None:
            add_error(
                errors,
                "started_on",
                _(
                    "Cycle %(number)s is still open: record its end date first "
                    "(one open cycle at a time)."
                )
                % {"number": previous.number},
            )
        elif cycle.started_on and cycle.started_on <= previous.ended_on:
            add_error(
                errors,
                "started_on",
                _("Cycle %(number)s must start after cycle %(previous)s ended (%(ended_on)s).")
                % {
                    "number": cycle.number,
                    "previous": previous.number,
                    "ended_on": day_text(previous.ended_on),
                },
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
                _(
                    "Azacitidine cycles last %(days)s days: cycle %(number)s cannot start "
                    "before %(earliest)s."
                )
                % {
                    "days": plan.cycle_length_days,
                    "number": cycle.number,
                    "earliest": day_text(earliest),
                },
            )
    if following is not None:
        if cycle.ended_on is None:
            add_error(
                errors,
                "ended_on",
                _("Cycle %(number)s has started: this cycle ended.") % {"number": following.number},
            )
        elif cycle.ended_on >= following.started_on:
            add_error(
                errors,
                "ended_on",
                _("Must be before cycle %(number)s started (%(started_on)s).")
                % {"number": following.number, "started_on": day_text(following.started_on)},
            )
    eot = records.end_of_treatment
    if eot is not None and cycle.started_on and cycle.started_on > eot.ended_on:
        add_error(
            errors,
            "started_on",
            _("Treatment ended on %(ended_on)s: no cycle can start after the end of treatment.")
            % {"ended_on": day_text(eot.ended_on)},
        )
    elif eot is not None and (cycle.ended_on is None or cycle.ended_on > eot.ended_on):
        add_error(
            errors,
            "ended_on",
            _("Treatment ended on %(ended_on)s: the cycle must have ended by then.")
            % {"ended_on": day_text(eot.ended_on)},
        )
    transplant = records.transplant
    if transplant is not None and cycle.given_on(transplant.transplanted_on):
        add_error(
            errors,
            "ended_on",
            _(
                "The allo-HSCT on %(transplanted_on)s falls within this cycle: an allo-HSCT is "
                "not given during a cycle of salvage therapy."
            )
            % {"transplanted_on": day_text(transplant.transplanted_on)},
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
            _("A response was assessed on %(assessed_on)s: cycle 1 started before it.")
            % {"assessed_on": day_text(first_response)},
        )
    for drug, field in _SALVAGE_DOSE_FIELDS.items():
        dose = getattr(cycle, field)
        if drug in plan.drugs and (dose is None or dose <= 0):
            add_error(
                errors,
                field,
                _("Required for a %(regimen)s cycle.") % {"regimen": plan.regimen.label.lower()},
            )
        if drug not in plan.drugs and dose:
            add_error(
                errors,
                field,
                _("%(drug)s is not part of the %(regimen)s regimen.")
                % {"drug": drug.label, "regimen": plan.regimen.label.lower()},
            )
    if cycle.dexamethasone_given and not cycle.dexamethasone_mg:
        add_error(errors, "dexamethasone_mg", _("Give the total dose of dexamethasone given."))
    if not cycle.dexamethasone_given and cycle.dexamethasone_mg:
        add_error(
            errors,
            "dexamethasone_mg",
            _("A dose is recorded but dexamethasone is marked as not given."),
        )
    if (cycle.delay_days or cycle.dose_reduced) and not cycle.modification_note.strip():
        add_error(errors, "modification_note", _("Say why the cycle was delayed or reduced."))
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
    cycle_deviations_check(records, cycle, user=user, reason=INITIAL_ENTRY)
    _responses_after_cycle_refresh(records, cycle, user)
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
    cycle_deviations_check(records, cycle, user=user, reason=reason_for_change(reason))
    _responses_after_cycle_refresh(records, cycle, user)
    return Saved(cycle, _warnings(records, cycle))


def _responses_after_cycle_refresh(
    records: PatientRecords, cycle: TreatmentCycle, user: User
) -> None:
    """Keep each response's `after_cycle` true when cycles are keyed in or corrected later:
    the formal response evaluation (EFS's induction failure) is read from it.

    `records` were read under the patient's lock by the cycle's service, which has just
    written `cycle`: with it, they are what is stored.
    """
    cycles = [*(c for c in records.cycles if c.pk != cycle.pk), cycle]
    starts = sorted((c.started_on, c.number) for c in cycles)
    now = timezone.now()
    with pghistory.context(user=user.pk, reason="Cycle of the response recomputed"):
        for response in records.responses:
            after = max((n for on, n in starts if on <= response.assessed_on), default=None)
            if after != response.after_cycle:
                ResponseAssessment.objects.filter(pk=response.pk).update(
                    after_cycle=after, version=F("version") + 1, updated_at=now
                )
                response.after_cycle, response.updated_at = after, now
                response.version += 1
