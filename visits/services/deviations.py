"""Protocol deviations the system finds: recorded and listed, never blocking an entry.

Each is derived again from the records whenever a record it rests on is written: found, it is
recorded with its kind's severity (protocol.DEVIATION_SEVERITIES); gone after a correction,
it is kept and marked corrected; back after a later correction, it is reopened.

Rules (PROTOCOL.md):
- the arm's dexamethasone with every cycle, and none in the control arm;
- azacitidine is given until progression: no azacitidine cycle starts after a recorded
  progression or relapse;
- consolidation is for patients in response: the last response assessed on or before a
  consolidation's first day must be a CR, CRi or MLFS (a resistant induction, a PR or a
  relapse since are not);
- allo-HSCT is allowed once the disease is controlled: in uncontrolled disease it is
  recorded all the same, as a major deviation (review/checks.py also raises a query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import pghistory
from django.utils import timezone

import protocol
from accounts.models import User
from patients.models import Patient, Screening
from visits.models import ProtocolDeviation, ResponseAssessment, Transplant, TreatmentCycle
from visits.state import PatientRecords

Kind = ProtocolDeviation.Kind
_Found = dict[tuple[str, int | None], ProtocolDeviation]  # (kind, cycle id) -> latest


def _on(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _deviation_keep(
    known: _Found,
    *,
    patient: Patient,
    kind: protocol.DeviationKind,
    cycle: TreatmentCycle | None = None,
    found: str | None,
) -> None:
    """Record, reopen or mark corrected one deviation. `found` is its description when the
    records show it, None when they no longer do; `known` holds the patient's deviations."""
    existing = known.get((kind, cycle.pk if cycle else None))
    if found is not None and existing is None:
        known[(kind, cycle.pk if cycle else None)] = ProtocolDeviation.objects.create(
            patient=patient, cycle=cycle, kind=kind, severity=kind.severity, description=found
        )
    elif found is not None and existing is not None:
        changed = []
        if existing.corrected_at is not None:
            existing.corrected_at = None
            changed.append("corrected_at")
        if existing.description != found:  # e.g. a corrected date: it says what holds now
            existing.description = found
            changed.append("description")
        if changed:
            existing.save(update_fields=[*changed, "updated_at"])
    elif existing is not None and existing.corrected_at is None:
        existing.corrected_at = timezone.now()
        existing.save(update_fields=["corrected_at", "updated_at"])


def _known(patient: Patient) -> _Found:
    """The patient's deviations, the latest of each kind (and cycle), in one query."""
    known: _Found = {}
    for deviation in ProtocolDeviation.objects.filter(patient=patient).order_by("detected_at"):
        known[(deviation.kind, deviation.cycle_id)] = deviation
    return known


# --- Dexamethasone with the arm -------------------------------------------------------


def cycle_deviations_check(
    records: PatientRecords, cycle: TreatmentCycle, *, user: User, reason: str
) -> None:
    """After a cycle is written: its dexamethasone against the arm, then the course rules
    (a cycle changes which cycles follow a progression or a response); never blocks. The
    deviations are written with the cycle's author and reason."""
    in_dex_arm = records.randomization.arm == protocol.DEXAMETHASONE_ARM
    expected = {
        Kind.DEX_GIVEN_TO_CONTROL: not in_dex_arm and cycle.dexamethasone_given,
        Kind.DEX_MISSING: in_dex_arm and not cycle.dexamethasone_given,
    }
    known = _known(records.patient)
    with pghistory.context(user=user.pk, reason=reason):
        for kind, applies in expected.items():
            found = f"Cycle {cycle.number} started {_on(cycle.started_on)}: {kind.label.lower()}."
            _deviation_keep(
                known,
                patient=records.patient,
                kind=kind,
                cycle=cycle,
                found=found if applies else None,
            )
    # The records read under the patient's lock by the cycle's service, with the cycle just
    # written: what is stored now, without reading it again.
    cycles = sorted([*(c for c in records.cycles if c.pk != cycle.pk), cycle], key=_number)
    course_deviations_check(
        patient=records.patient,
        user=user,
        reason=reason,
        stored=_Course(cycles, records.responses, records.transplant, known),
    )


def _number(cycle: TreatmentCycle) -> int:
    return cycle.number


# --- The course of treatment and response ---------------------------------------------


def _azacitidine_after_progression(
    cycle: TreatmentCycle, responses: Sequence[ResponseAssessment]
) -> str | None:
    if cycle.phase != protocol.CyclePhase.AZACITIDINE:
        return None
    progression = next(
        (
            r
            for r in responses
            if r.category in protocol.PROGRESSION_RESPONSES and r.assessed_on < cycle.started_on
        ),
        None,
    )
    if progression is None:
        return None
    return (
        f"Cycle {cycle.number} (azacitidine) started {_on(cycle.started_on)} after "
        f"{progression.get_category_display().lower()} recorded on "
        f"{_on(progression.assessed_on)}: azacitidine is given until progression."
    )


def _consolidation_not_in_response(
    cycle: TreatmentCycle, responses: Sequence[ResponseAssessment]
) -> str | None:
    if cycle.phase != protocol.CyclePhase.CONSOLIDATION:
        return None
    # The patient's response when the consolidation began. None yet recorded: no finding
    # (the NO_RESPONSE_AFTER_INDUCTION query asks for the evaluation); one keyed in later
    # is judged then, as every response entry checks the course again.
    last = next((r for r in reversed(responses) if r.assessed_on <= cycle.started_on), None)
    if last is None or last.category in protocol.RESPONSES_ALLOWING_CONSOLIDATION:
        return None
    allowed = ", ".join(c.value for c in protocol.RESPONSES_ALLOWING_CONSOLIDATION)
    return (
        f"Cycle {cycle.number} (consolidation) started {_on(cycle.started_on)}, after "
        f"{last.get_category_display()} on {_on(last.assessed_on)}: consolidation is for "
        f"patients in response ({allowed})."
    )


def transplant_uncontrolled_disease(
    transplant: Transplant, responses: Sequence[ResponseAssessment]
) -> str | None:
    """Return why the disease was not controlled at the allo-HSCT, or None if it was.

    Controlled: the disease status at HSCT is a CR, CRi or MLFS, and so is the last response
    assessed on or before the day of the HSCT (a CR followed by a relapse with no new
    remission is not controlled).
    """
    on = transplant.transplanted_on
    problems = []
    status = transplant.disease_status
    if status and status not in protocol.DISEASE_CONTROLLED_AT_TRANSPLANT:
        problems.append(f"disease status at HSCT: {transplant.get_disease_status_display()}")
    last = next((r for r in reversed(responses) if r.assessed_on <= on), None)
    if last is None:
        problems.append("no response assessment on or before it")
    elif last.category not in protocol.DISEASE_CONTROLLED_RESPONSES:
        problems.append(
            f"last response before it: {last.get_category_display()} on {_on(last.assessed_on)}"
        )
    if not problems:
        return None
    allowed = ", ".join(c.value for c in protocol.DISEASE_CONTROLLED_RESPONSES)
    return (
        f"Allo-HSCT on {_on(on)} in uncontrolled disease ({'; '.join(problems)}): the "
        f"protocol allows it once the disease is controlled ({allowed})."
    )


class _Course(NamedTuple):
    """A patient's stored cycles (by number), responses (by date), transplant, deviations."""

    cycles: list[TreatmentCycle]
    responses: list[ResponseAssessment]
    transplant: Transplant | None
    known: _Found


def course_deviations_check(
    *, patient: Patient, user: User, reason: str, stored: _Course | None = None
) -> None:
    """Derive again the deviations that rest on the course of treatment and response.

    Called after any write of a cycle, a response or the transplant, under the patient's
    lock: a response keyed in late (a progression dated before a cycle already recorded)
    finds the deviation as surely as the cycle entered after it. Reads the stored records,
    so it sees the write just made; `stored`: the same as the caller holds them, read under
    the lock with its write (cycle_deviations_check), not read again. Written with the
    author and reason of the write that made them so: set here, not left to whatever context
    an earlier write of the transaction set.
    """
    if stored is None:
        stored = _Course(
            list(TreatmentCycle.objects.filter(patient=patient).order_by("number")),
            list(ResponseAssessment.objects.filter(patient=patient).order_by("assessed_on", "pk")),
            Transplant.objects.filter(patient=patient).first(),
            _known(patient),
        )
    cycles, responses, transplant, known = stored
    with pghistory.context(user=user.pk, reason=reason):
        for cycle in cycles:
            for kind, found in (
                (
                    Kind.AZACITIDINE_AFTER_PROGRESSION,
                    _azacitidine_after_progression(cycle, responses),
                ),
                (
                    Kind.CONSOLIDATION_NOT_IN_RESPONSE,
                    _consolidation_not_in_response(cycle, responses),
                ),
            ):
                _deviation_keep(known, patient=patient, kind=kind, cycle=cycle, found=found)
        _deviation_keep(
            known,
            patient=patient,
            kind=Kind.TRANSPLANT_UNCONTROLLED,
            found=transplant_uncontrolled_disease(transplant, responses) if transplant else None,
        )


# --- Eligibility ----------------------------------------------------------------------


def deviation_randomized_ineligible_check(*, patient: Patient, user: User, reason: str) -> None:
    """A correction showing a randomized patient was not eligible is a protocol deviation:
    recorded (the patient stays in the intention-to-treat analysis), never hidden; a later
    correction making the patient eligible again marks it corrected. Written with the
    correction's author and reason."""
    screening = Screening.objects.get(patient=patient)
    kind = Kind.RANDOMIZED_INELIGIBLE
    open_deviation = ProtocolDeviation.objects.filter(
        patient=patient, kind=kind, corrected_at__isnull=True
    ).first()
    with pghistory.context(user=user.pk, reason=reason):
        if not screening.is_eligible and open_deviation is None:
            ProtocolDeviation.objects.create(
                patient=patient,
                kind=kind,
                severity=kind.severity,
                description=f"Randomized, but the corrected screening says: "
                f"{screening.failure_reason.splitlines()[0]}",
            )
        elif screening.is_eligible and open_deviation is not None:
            open_deviation.corrected_at = timezone.now()
            open_deviation.save(update_fields=["corrected_at", "updated_at"])
