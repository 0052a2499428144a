"""Writes about treatment, response, transplant, end of treatment, follow-up and safety.

Each function locks the patient, runs the protocol's edit checks against the stored
records, and saves atomically: a refusal names the field and the rule, and nothing is
half-saved. Corrections go through `record_update` (reason for change + version check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

import protocol
from accounts.models import Role, User
from audit.records import record_create, record_update
from locks.models import DataLock
from locks.services import ensure_unlocked
from patients.models import Patient
from randomization.models import Randomization
from visits import responses, schedule
from visits.ctcae import CTCAE_TERM_NAMES, OTHER_SPECIFY
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ProtocolDeviation,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update, raise_if

CYCLE_FIELDS = (
    "started_on",
    "ended_on",
    "amsacrine_mg_m2",
    "cytarabine_mg_m2",
    "azacitidine_mg_m2",
    "dexamethasone_given",
    "dexamethasone_mg",
    "delay_days",
    "dose_reduced",
    "modification_note",
)
RESPONSE_FIELDS = (
    "assessed_on",
    "category",
    "marrow_blasts_pct",
    "anc",
    "platelets",
    "circulating_blasts",
    "auer_rods",
    "extramedullary_disease",
    "transfusion_dependent",
    "mrd_negative",
)
TRANSPLANT_FIELDS = ("transplanted_on", "donor_type", "conditioning")
END_OF_TREATMENT_FIELDS = ("ended_on", "reason", "note")
VISIT_FIELDS = (
    "performed_on",
    "vital_status",
    "disease_status",
    "new_therapy",
    "transplant_since_last",
)
ADVERSE_EVENT_FIELDS = (
    "term",
    "term_specified",
    "grade",
    "serious",
    "onset_on",
    "resolved_on",
    "related_to_dexamethasone",
    "related_to_salvage",
    "action_taken",
)
OFF_STUDY_FIELDS = ("reason", "event_on", "death_cause", "data_use", "note")

_DRUG_FIELDS = {
    protocol.Drug.AMSACRINE: "amsacrine_mg_m2",
    protocol.Drug.CYTARABINE: "cytarabine_mg_m2",
    protocol.Drug.AZACITIDINE: "azacitidine_mg_m2",
}


def _apply(record: Any, values: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError({name: ["Not a field of this form."] for name in sorted(unknown)})
    for name, value in values.items():
        setattr(record, name, value)


def _full_clean(record: Any, errors: Errors, exclude: tuple[str, ...] = ("patient",)) -> None:
    try:
        record.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def _validated(
    record: Any, values: Mapping[str, Any], allowed: tuple[str, ...], records: PatientRecords, check
) -> None:
    """Apply the values, then refuse them (nothing saved) if a field or a rule says no.

    Field validation (types, ranges, choices) comes first; the protocol's checks against the
    patient's other records run on values that passed it.
    """
    _apply(record, values, allowed)
    errors: Errors = {}
    _full_clean(record, errors, exclude=("patient", "created_by"))
    raise_if(errors or check(records, record))


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- Treatment cycles -----------------------------------------------------------------


def _cycle_errors(records: PatientRecords, cycle: TreatmentCycle) -> Errors:
    """The edit checks of one cycle against the plan of the regimen and its neighbours."""
    plan = records.plan
    errors = date_errors(records, {"started_on": cycle.started_on, "ended_on": cycle.ended_on})
    others = [c for c in records.cycles if c.pk != cycle.pk]
    previous = next((c for c in reversed(others) if c.number < cycle.number), None)
    following = next((c for c in others if c.number > cycle.number), None)
    if cycle.ended_on and cycle.started_on and cycle.ended_on < cycle.started_on:
        _add(
            errors,
            "ended_on",
            f"A cycle cannot end ({cycle.ended_on:%d/%m/%Y}) before it "
            f"starts ({cycle.started_on:%d/%m/%Y}).",
        )
    if plan.max_cycles is not None and cycle.number > plan.max_cycles:
        _add(
            errors,
            "started_on",
            f"The {plan.regimen.label.lower()} regimen allows "
            f"{plan.max_cycles} cycles (1 induction and up to "
            f"{plan.max_cycles - 1} consolidations).",
        )
    if previous is not None:
        if previous.ended_on is None:
            _add(
                errors,
                "started_on",
                f"Cycle {previous.number} is still open: record its end "
                "date first (one open cycle at a time).",
            )
        elif cycle.started_on and cycle.started_on <= previous.ended_on:
            _add(
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
            _add(
                errors,
                "started_on",
                f"Azacitidine cycles last {plan.cycle_length_days} days: "
                f"cycle {cycle.number} cannot start before "
                f"{earliest:%d/%m/%Y}.",
            )
    if following is not None:
        if cycle.ended_on is None:
            _add(errors, "ended_on", f"Cycle {following.number} has started: this cycle ended.")
        elif cycle.ended_on >= following.started_on:
            _add(
                errors,
                "ended_on",
                f"Must be before cycle {following.number} started "
                f"({following.started_on:%d/%m/%Y}).",
            )
    eot = records.end_of_treatment
    if eot is not None and cycle.started_on and cycle.started_on > eot.ended_on:
        _add(
            errors,
            "started_on",
            f"Treatment ended on {eot.ended_on:%d/%m/%Y}: no cycle "
            "can start after the end of treatment.",
        )
    elif eot is not None and (cycle.ended_on is None or cycle.ended_on > eot.ended_on):
        _add(
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
        _add(
            errors,
            "started_on",
            f"A response was assessed on {first_response:%d/%m/%Y}: cycle 1 started before it.",
        )
    for drug, field in _DRUG_FIELDS.items():
        dose = getattr(cycle, field)
        if drug in plan.drugs and (dose is None or dose <= 0):
            _add(errors, field, f"Required for a {plan.regimen.label.lower()} cycle.")
        if drug not in plan.drugs and dose:
            _add(
                errors,
                field,
                f"{drug.label} is not part of the {plan.regimen.label.lower()} regimen.",
            )
    if cycle.dexamethasone_given and not cycle.dexamethasone_mg:
        _add(errors, "dexamethasone_mg", "Give the total dose of dexamethasone given.")
    if not cycle.dexamethasone_given and cycle.dexamethasone_mg:
        _add(
            errors,
            "dexamethasone_mg",
            "A dose is recorded but dexamethasone is marked as not given.",
        )
    if (cycle.delay_days or cycle.dose_reduced) and not cycle.modification_note.strip():
        _add(errors, "modification_note", "Say why the cycle was delayed or reduced.")
    return errors


def _deviations_check(records: PatientRecords, cycle: TreatmentCycle) -> None:
    """Record (or mark corrected) the dexamethasone deviations of a cycle; never blocks."""
    in_dex_arm = records.randomization.arm == protocol.DEXAMETHASONE_ARM
    expected = {
        ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL: not in_dex_arm and cycle.dexamethasone_given,
        ProtocolDeviation.Kind.DEX_MISSING: in_dex_arm and not cycle.dexamethasone_given,
    }
    for kind, applies in expected.items():
        existing = ProtocolDeviation.objects.filter(cycle=cycle, kind=kind).first()
        if applies and existing is None:
            ProtocolDeviation.objects.create(
                patient=records.patient,
                cycle=cycle,
                kind=kind,
                description=f"Cycle {cycle.number} started {cycle.started_on:%d/%m/%Y}: "
                f"{kind.label.lower()}.",
            )
        elif applies and existing.corrected_at is not None:
            existing.corrected_at = None
            existing.save(update_fields=["corrected_at", "updated_at"])
        elif not applies and existing is not None and existing.corrected_at is None:
            existing.corrected_at = timezone.now()
            existing.save(update_fields=["corrected_at", "updated_at"])


@transaction.atomic
def cycle_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> TreatmentCycle:
    """Record the next treatment cycle; its number and phase follow from the regimen."""
    records = patient_records_for_update(patient, user)
    number = len(records.cycles) + 1
    cycle = TreatmentCycle(
        patient=records.patient, number=number, phase=records.plan.phase_of(number), created_by=user
    )
    _validated(cycle, values, CYCLE_FIELDS, records, _cycle_errors)
    record_create(cycle, user=user)
    _deviations_check(records, cycle)
    _responses_after_cycle_refresh(records.patient, user)
    return cycle


@transaction.atomic
def cycle_update(
    *,
    cycle: TreatmentCycle,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> TreatmentCycle:
    """Correct a cycle; the checks run again against its neighbours."""
    records = patient_records_for_update(cycle.patient, user)
    cycle = next(c for c in records.cycles if c.pk == cycle.pk)
    _validated(cycle, values, CYCLE_FIELDS, records, _cycle_errors)
    record_update(cycle, fields=values.keys(), expected_version=version, user=user, reason=reason)
    _deviations_check(records, cycle)
    _responses_after_cycle_refresh(records.patient, user)
    return cycle


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


# --- Response -------------------------------------------------------------------------


def _response_errors(records: PatientRecords, assessment: ResponseAssessment) -> Errors:
    errors = date_errors(records, {"assessed_on": assessment.assessed_on})
    if not records.cycles or (
        assessment.assessed_on and assessment.assessed_on < records.cycles[0].started_on
    ):
        _add(
            errors,
            "assessed_on",
            "A response is assessed after treatment has started (record cycle 1 first).",
        )
    if errors:
        return errors
    values = responses.ResponseValues(
        **{
            name: getattr(assessment, name)
            for name in (
                "marrow_blasts_pct",
                "anc",
                "platelets",
                "circulating_blasts",
                "auer_rods",
                "extramedullary_disease",
                "transfusion_dependent",
            )
        }
    )
    transplant = records.transplant
    if transplant is not None:
        controlled = [r for r in records.responses if r.pk != assessment.pk] + [assessment]
        if not any(
            r.category in protocol.DISEASE_CONTROLLED_RESPONSES
            and r.assessed_on <= transplant.transplanted_on
            for r in controlled
        ):
            return {
                "category": [
                    f"The allo-HSCT on {transplant.transplanted_on:%d/%m/%Y} "
                    "rests on a controlled disease recorded before it: this "
                    "correction would leave none."
                ]
            }
    had_remission = any(
        r.category in protocol.REMISSION_RESPONSES
        and r.assessed_on <= assessment.assessed_on
        and r.pk != assessment.pk
        for r in records.responses
    )
    return responses.category_problems(
        assessment.category,
        values,
        baseline_blasts_pct=records.patient.screening.marrow_blasts_pct,
        had_remission=had_remission,
    )


def _after_cycle(records: PatientRecords, assessed_on: dt.date) -> int | None:
    started = [c.number for c in records.cycles if c.started_on <= assessed_on]
    return max(started) if started else None


@transaction.atomic
def response_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> ResponseAssessment:
    """Record a response assessment; a category its values contradict is refused."""
    records = patient_records_for_update(patient, user)
    assessment = ResponseAssessment(patient=records.patient, created_by=user)
    _validated(assessment, values, RESPONSE_FIELDS, records, _response_errors)
    assessment.after_cycle = _after_cycle(records, assessment.assessed_on)
    return record_create(assessment, user=user)


@transaction.atomic
def response_update(
    *,
    assessment: ResponseAssessment,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> ResponseAssessment:
    records = patient_records_for_update(assessment.patient, user)
    assessment = next(r for r in records.responses if r.pk == assessment.pk)
    _validated(assessment, values, RESPONSE_FIELDS, records, _response_errors)
    assessment.after_cycle = _after_cycle(records, assessment.assessed_on)
    return record_update(
        assessment,
        fields=[*values.keys(), "after_cycle"],
        expected_version=version,
        user=user,
        reason=reason,
    )


# --- Transplant -----------------------------------------------------------------------


def _transplant_errors(records: PatientRecords, transplant: Transplant) -> Errors:
    errors = date_errors(records, {"transplanted_on": transplant.transplanted_on})
    if errors:
        return errors
    controlled = [
        r
        for r in records.responses
        if r.category in protocol.DISEASE_CONTROLLED_RESPONSES
        and r.assessed_on <= transplant.transplanted_on
    ]
    if not controlled:
        labels = ", ".join(c.value for c in protocol.DISEASE_CONTROLLED_RESPONSES)
        _add(
            errors,
            "transplanted_on",
            f"Allo-HSCT is allowed once the disease is controlled: "
            f"no {labels} is recorded on or before this date.",
        )
    return errors


@transaction.atomic
def transplant_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> Transplant:
    """Record the allo-HSCT, allowed once the disease is controlled."""
    records = patient_records_for_update(patient, user)
    if records.transplant is not None:
        raise ValidationError(
            {"transplanted_on": ["An allo-HSCT is already recorded: correct it instead."]}
        )
    transplant = Transplant(patient=records.patient, created_by=user)
    _validated(transplant, values, TRANSPLANT_FIELDS, records, _transplant_errors)
    return record_create(transplant, user=user)


@transaction.atomic
def transplant_update(
    *,
    transplant: Transplant,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Transplant:
    records = patient_records_for_update(transplant.patient, user)
    transplant = records.transplant
    _validated(transplant, values, TRANSPLANT_FIELDS, records, _transplant_errors)
    return record_update(
        transplant, fields=values.keys(), expected_version=version, user=user, reason=reason
    )


# --- End of treatment and the follow-up schedule ----------------------------------------


def _end_of_treatment_errors(records: PatientRecords, eot: EndOfTreatment) -> Errors:
    errors = date_errors(records, {"ended_on": eot.ended_on})
    open_cycles = [c for c in records.cycles if c.ended_on is None]
    if open_cycles:
        _add(
            errors,
            "ended_on",
            f"Cycle {open_cycles[0].number} is still open: record its end date first.",
        )
    last = records.cycles[-1] if records.cycles else None
    if last and last.ended_on and eot.ended_on and eot.ended_on < last.ended_on:
        _add(
            errors,
            "ended_on",
            f"Cycle {last.number} ended on {last.ended_on:%d/%m/%Y}: the "
            "end of treatment cannot be earlier.",
        )
    done = (
        FollowUpVisit.objects.filter(patient=records.patient, performed_on__isnull=False)
        .order_by("performed_on")
        .first()
    )
    if done is not None and eot.ended_on and eot.ended_on >= done.performed_on:
        _add(
            errors,
            "ended_on",
            f"Follow-up visit {done.label} was done on "
            f"{done.performed_on:%d/%m/%Y}: treatment ended before it.",
        )
    if eot.reason == protocol.EndOfTreatmentReason.DEATH and records.death_on is None:
        _add(errors, "reason", "Record the death (off study) first.")
    if eot.reason == protocol.EndOfTreatmentReason.HSCT and records.transplant is None:
        _add(errors, "reason", "Record the allo-HSCT first.")
    return errors


def first_randomization_on() -> dt.date | None:
    """Return the date the trial's first patient was randomized (the end of study follows)."""
    first = Randomization.objects.aggregate(first=Min("randomized_at"))["first"]
    return timezone.localtime(first).date() if first else None


def followup_schedule_build(patient: Patient) -> list[FollowUpVisit]:
    """(Re)build the patient's follow-up visits from the end of treatment to the end of study.

    Completed visits (done or missed) are kept as they are; planned ones are moved to the
    new dates, added or removed. An off-study event ends the schedule at its date.
    """
    eot = EndOfTreatment.objects.filter(patient=patient).first()
    existing = {v.month: v for v in FollowUpVisit.objects.filter(patient=patient)}
    if eot is None:
        FollowUpVisit.objects.filter(
            pk__in=[v.pk for v in existing.values() if not v.is_completed]
        ).delete()
        return []
    plan = schedule.planned_visits(eot.ended_on, schedule.end_of_study(first_randomization_on()))
    off_study = OffStudy.objects.filter(patient=patient).first()
    if off_study is not None:
        # Only visits whose window closed before the patient left remain owed; one whose
        # window was still open at death (or withdrawal) can no longer be done.
        plan = [p for p in plan if p.window_closes_on < off_study.event_on]
    planned_months = {p.month for p in plan}
    FollowUpVisit.objects.filter(
        pk__in=[v.pk for m, v in existing.items() if m not in planned_months and not v.is_completed]
    ).delete()
    for planned in plan:
        visit = existing.get(planned.month)
        if visit is None:
            FollowUpVisit.objects.create(
                patient=patient,
                month=planned.month,
                target_on=planned.target_on,
                window_opens_on=planned.window_opens_on,
                window_closes_on=planned.window_closes_on,
                created_by=eot.created_by,
            )
        elif not visit.is_completed and visit.target_on != planned.target_on:
            FollowUpVisit.objects.filter(pk=visit.pk).update(
                target_on=planned.target_on,
                window_opens_on=planned.window_opens_on,
                window_closes_on=planned.window_closes_on,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
    return list(FollowUpVisit.objects.filter(patient=patient).order_by("month"))


def followup_schedules_rebuild_all(*, reason: str) -> int:
    """Rebuild every schedule, e.g. after the first randomization date was corrected.

    Locked patients are left as they are: their data are frozen for an analysis.
    """
    locked = DataLock.objects.filter(unlocked_at__isnull=True)
    patients = (
        Patient.objects.filter(end_of_treatment__isnull=False)
        .exclude(pk__in=locked.exclude(patient=None).values("patient"))
        .exclude(site__in=locked.exclude(site=None).values("site"))
    )
    with pghistory.context(reason=reason):
        for patient in patients:
            followup_schedule_build(patient)
    return patients.count()


@transaction.atomic
def end_of_treatment_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> EndOfTreatment:
    """Record the end of study treatment and build the follow-up schedule from it."""
    records = patient_records_for_update(patient, user)
    if records.end_of_treatment is not None:
        raise ValidationError(
            {"ended_on": ["The end of treatment is already recorded: correct it instead."]}
        )
    eot = EndOfTreatment(patient=records.patient, created_by=user)
    _validated(eot, values, END_OF_TREATMENT_FIELDS, records, _end_of_treatment_errors)
    record_create(eot, user=user)
    with pghistory.context(user=user.pk, reason="Follow-up schedule built"):
        followup_schedule_build(records.patient)
    return eot


@transaction.atomic
def end_of_treatment_update(
    *, eot: EndOfTreatment, user: User, values: Mapping[str, Any], version: int | None, reason: str
) -> EndOfTreatment:
    """Correct the end of treatment; the schedule is rebuilt, keeping completed visits."""
    records = patient_records_for_update(eot.patient, user)
    eot = records.end_of_treatment
    _validated(eot, values, END_OF_TREATMENT_FIELDS, records, _end_of_treatment_errors)
    record_update(eot, fields=values.keys(), expected_version=version, user=user, reason=reason)
    with pghistory.context(user=user.pk, reason=f"Follow-up schedule rebuilt: {reason}"):
        followup_schedule_build(records.patient)
    return eot


# --- Follow-up visits -----------------------------------------------------------------


def _visit_errors(records: PatientRecords, visit: FollowUpVisit) -> Errors:
    errors = date_errors(
        records,
        {"performed_on": visit.performed_on},
        after_death_allowed=visit.vital_status == protocol.VitalStatus.DEAD,
    )
    if visit.performed_on is None:
        _add(errors, "performed_on", "Give the date of the visit (or mark it missed).")
        return errors
    eot = records.end_of_treatment
    if eot is not None and visit.performed_on < eot.ended_on:
        _add(
            errors,
            "performed_on",
            f"Follow-up starts after the end of treatment ({eot.ended_on:%d/%m/%Y}).",
        )
    if not visit.vital_status:
        _add(errors, "vital_status", "Required.")
    if visit.vital_status == protocol.VitalStatus.DEAD and records.death_on is None:
        _add(errors, "vital_status", "Record the death (off study) first, with its date.")
    if visit.vital_status == protocol.VitalStatus.ALIVE and records.death_on is not None:
        _add(errors, "vital_status", f"The patient died on {records.death_on:%d/%m/%Y}.")
    if visit.transplant_since_last and records.transplant is None:
        _add(errors, "transplant_since_last", "Record the allo-HSCT itself first.")
    return errors


@transaction.atomic
def followup_visit_record(
    *,
    visit: FollowUpVisit,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str = "",
) -> FollowUpVisit:
    """Fill in a planned visit; once done, a correction needs a reason like any other."""
    records = patient_records_for_update(visit.patient, user)
    visit = FollowUpVisit.objects.get(pk=visit.pk)
    first_entry = not visit.is_completed
    _apply(visit, values, VISIT_FIELDS)
    visit.missed_reason = ""
    errors: Errors = {}
    _full_clean(visit, errors, exclude=("patient", "created_by"))
    raise_if(errors or _visit_errors(records, visit))
    return record_update(
        visit,
        fields=[*values.keys(), "missed_reason"],
        expected_version=version,
        user=user,
        reason="Visit recorded" if first_entry else reason,
    )


@transaction.atomic
def followup_visit_miss(
    *, visit: FollowUpVisit, user: User, missed_reason: str, version: int | None
) -> FollowUpVisit:
    """Mark a planned visit missed, with why; a done visit cannot be marked missed."""
    patient_records_for_update(visit.patient, user)
    visit = FollowUpVisit.objects.get(pk=visit.pk)
    if visit.performed_on is not None:
        raise ValidationError({"missed_reason": ["This visit is recorded as done."]})
    if not missed_reason.strip():
        raise ValidationError({"missed_reason": ["Say why the visit was missed."]})
    if visit.window_opens_on > timezone.localdate():
        raise ValidationError(
            {
                "missed_reason": [
                    f"The visit window opens on {visit.window_opens_on:%d/%m/%Y}: "
                    "it cannot be missed yet."
                ]
            }
        )
    visit.missed_reason = missed_reason.strip()
    return record_update(
        visit, fields=["missed_reason"], expected_version=version, user=user, reason="Visit missed"
    )


# --- Adverse events -------------------------------------------------------------------


def _adverse_event_errors(records: PatientRecords, event: AdverseEvent) -> Errors:
    errors = date_errors(records, {"onset_on": event.onset_on, "resolved_on": event.resolved_on})
    if event.term not in CTCAE_TERM_NAMES:
        _add(
            errors,
            "term",
            f"{event.term!r} is not a CTCAE v5.0 term offered here; choose "
            f"'{OTHER_SPECIFY}' and give the exact term.",
        )
    if event.term == OTHER_SPECIFY and not event.term_specified.strip():
        _add(errors, "term_specified", "Give the CTCAE term.")
    if event.term != OTHER_SPECIFY and event.term_specified:
        _add(errors, "term_specified", f"Only for '{OTHER_SPECIFY}'.")
    if event.resolved_on and event.onset_on and event.resolved_on < event.onset_on:
        _add(errors, "resolved_on", "Cannot precede the onset.")
    off_study = records.off_study
    is_the_fatal_event = bool(
        off_study and event.pk and off_study.fatal_adverse_event_id == event.pk
    )
    if event.grade == protocol.FATAL_GRADE and not is_the_fatal_event:
        _add(
            errors,
            "grade",
            "Grade 5 is a fatal event: record the death (off study, cause: "
            "adverse event) naming this event, which then becomes grade 5.",
        )
    if is_the_fatal_event:
        if event.grade != protocol.FATAL_GRADE:
            _add(
                errors,
                "grade",
                "The patient's death is attributed to this event: it must stay grade 5.",
            )
        if event.resolved_on != off_study.event_on:
            _add(
                errors,
                "resolved_on",
                f"A fatal event ends on the date of death ({off_study.event_on:%d/%m/%Y}).",
            )
    return errors


@transaction.atomic
def adverse_event_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> AdverseEvent:
    """Record an adverse event (CTCAE v5.0 term and grade)."""
    records = patient_records_for_update(patient, user)
    event = AdverseEvent(patient=records.patient, created_by=user)
    _validated(event, values, ADVERSE_EVENT_FIELDS, records, _adverse_event_errors)
    return record_create(event, user=user)


@transaction.atomic
def adverse_event_update(
    *, event: AdverseEvent, user: User, values: Mapping[str, Any], version: int | None, reason: str
) -> AdverseEvent:
    records = patient_records_for_update(event.patient, user)
    event = AdverseEvent.objects.get(pk=event.pk)
    was_serious = event.serious
    _validated(event, values, ADVERSE_EVENT_FIELDS, records, _adverse_event_errors)
    fields = list(values.keys())
    if event.serious and not was_serious:
        event.sae_reviewed_at, event.sae_reviewed_by = None, None
        fields += ["sae_reviewed_at", "sae_reviewed_by"]
    return record_update(event, fields=fields, expected_version=version, user=user, reason=reason)


@transaction.atomic
def adverse_event_review(*, event: AdverseEvent, user: User) -> AdverseEvent:
    """Mark a serious adverse event reviewed by an investigator of the site or a data manager."""
    reviewer_ok = user.role == Role.DATA_MANAGER or (
        user.role == Role.INVESTIGATOR and user.sites.filter(pk=event.patient.site_id).exists()
    )
    if not reviewer_ok:
        raise PermissionDenied(
            "SAEs are reviewed by an investigator of the site or a data manager."
        )
    Patient.objects.select_for_update().filter(pk=event.patient_id).first()
    ensure_unlocked(event.patient)
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    if not event.serious:
        raise ValidationError({"serious": ["Only serious adverse events need this review."]})
    if event.sae_reviewed_at is not None:
        return event
    event.sae_reviewed_at, event.sae_reviewed_by = timezone.now(), user
    return record_update(
        event,
        fields=["sae_reviewed_at", "sae_reviewed_by"],
        expected_version=None,
        user=user,
        reason="SAE reviewed",
    )


# --- Off study: death, consent withdrawal, lost to follow-up ---------------------------


def _latest_dated_record(records: PatientRecords) -> tuple[dt.date, str] | None:
    """Return the latest date on the patient's records, with what it is, for death checks."""
    dated: list[tuple[dt.date, str]] = [(records.randomized_on, "the randomization")]
    for c in records.cycles:
        dated.append((c.ended_on or c.started_on, f"cycle {c.number}"))
    dated += [(r.assessed_on, "a response assessment") for r in records.responses]
    if records.transplant:
        dated.append((records.transplant.transplanted_on, "the allo-HSCT"))
    if records.end_of_treatment:
        dated.append((records.end_of_treatment.ended_on, "the end of treatment"))
    dated += [
        (v.performed_on, f"follow-up visit {v.label}")
        for v in FollowUpVisit.objects.filter(patient=records.patient, performed_on__isnull=False)
        if v.vital_status != protocol.VitalStatus.DEAD
    ]
    dated += [
        (d, "an adverse event")
        for e in AdverseEvent.objects.filter(patient=records.patient)
        for d in (e.onset_on, e.resolved_on)
        if d and e.pk != (records.off_study.fatal_adverse_event_id if records.off_study else None)
    ]
    return max(dated) if dated else None


def _off_study_errors(
    records: PatientRecords, off: OffStudy, fatal_event: AdverseEvent | None
) -> Errors:
    errors = date_errors(records, {"event_on": off.event_on}, after_death_allowed=True)
    death = off.reason == protocol.OffStudyReason.DEATH
    if death:
        if not off.death_cause:
            _add(errors, "death_cause", "Give the cause of death.")
        latest = _latest_dated_record(records)
        if latest and off.event_on and latest[0] > off.event_on:
            _add(
                errors,
                "event_on",
                f"Nothing can happen after death, but {latest[1]} is dated {latest[0]:%d/%m/%Y}.",
            )
    elif off.death_cause:
        _add(errors, "death_cause", "Only for a death.")
    if death and off.death_cause == protocol.DeathCause.ADVERSE_EVENT:
        if fatal_event is None:
            _add(
                errors,
                "fatal_adverse_event",
                "Name the adverse event that caused the death (record it first if needed).",
            )
        elif off.event_on and fatal_event.onset_on > off.event_on:
            _add(errors, "fatal_adverse_event", "That event began after the date of death.")
    elif fatal_event is not None:
        _add(errors, "fatal_adverse_event", "Only when the death is caused by an adverse event.")
    if off.reason == protocol.OffStudyReason.CONSENT_WITHDRAWN and not off.data_use:
        _add(errors, "data_use", "Say which data may still be used.")
    if off.reason != protocol.OffStudyReason.CONSENT_WITHDRAWN and off.data_use:
        _add(errors, "data_use", "Only for a consent withdrawal.")
    return errors


def _make_fatal(event: AdverseEvent, died_on: dt.date, user: User) -> None:
    event.grade, event.resolved_on = protocol.FATAL_GRADE, died_on
    record_update(
        event,
        fields=["grade", "resolved_on"],
        expected_version=None,
        user=user,
        reason="Fatal outcome recorded with the death",
    )


@transaction.atomic
def off_study_record(
    *,
    patient: Patient,
    user: User,
    values: Mapping[str, Any],
    fatal_adverse_event: AdverseEvent | None = None,
) -> OffStudy:
    """Record death, consent withdrawal or loss to follow-up; the schedule ends there.

    A death caused by an adverse event makes that event grade 5, ending on the date of
    death, in the same transaction: the two records always agree.
    """
    records = patient_records_for_update(patient, user)
    if records.off_study is not None:
        raise ValidationError(
            {"reason": [f"Already off study ({records.off_study}): correct that record instead."]}
        )
    if fatal_adverse_event is not None and fatal_adverse_event.patient_id != patient.pk:
        raise ValidationError({"fatal_adverse_event": ["Not an event of this patient."]})
    off = OffStudy(
        patient=records.patient, created_by=user, fatal_adverse_event=fatal_adverse_event
    )
    _apply(off, values, OFF_STUDY_FIELDS)
    errors: Errors = {}
    _full_clean(off, errors, exclude=("patient", "created_by", "fatal_adverse_event"))
    raise_if(errors or _off_study_errors(records, off, fatal_adverse_event))
    record_create(off, user=user)
    if fatal_adverse_event is not None:
        _make_fatal(fatal_adverse_event, off.event_on, user)
    with pghistory.context(user=user.pk, reason=f"Schedule ended: {off.get_reason_display()}"):
        followup_schedule_build(records.patient)
    return off


@transaction.atomic
def off_study_update(
    *,
    off_study: OffStudy,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
    fatal_adverse_event: AdverseEvent | None = None,
    previous_fatal_event_grade: int | None = None,
) -> OffStudy:
    """Correct an off-study record. If the death is no longer attributed to the event that
    was fatal, that event's true grade (1-4) must be given: it is regraded in the same
    transaction, so no grade 5 event is ever left without its death."""
    records = patient_records_for_update(off_study.patient, user)
    off = OffStudy.objects.get(pk=off_study.pk)
    previous_fatal = off.fatal_adverse_event
    _apply(off, values, OFF_STUDY_FIELDS)
    off.fatal_adverse_event = fatal_adverse_event
    errors: Errors = {}
    _full_clean(off, errors, exclude=("patient", "created_by", "fatal_adverse_event"))
    errors = errors or _off_study_errors(records, off, fatal_adverse_event)
    releases_previous = previous_fatal is not None and previous_fatal != fatal_adverse_event
    if releases_previous and previous_fatal_event_grade not in range(1, protocol.FATAL_GRADE):
        _add(
            errors,
            "previous_fatal_event_grade",
            f"The death is no longer attributed to {previous_fatal.display_term}: give that "
            "event's true grade (1-4).",
        )
    raise_if(errors)
    if releases_previous:
        previous_fatal.grade = previous_fatal_event_grade
        record_update(
            previous_fatal,
            fields=["grade"],
            expected_version=None,
            user=user,
            reason=f"Death no longer attributed to this event: {reason}",
        )
    record_update(
        off,
        fields=[*values.keys(), "fatal_adverse_event"],
        expected_version=version,
        user=user,
        reason=reason,
    )
    if fatal_adverse_event is not None and (
        fatal_adverse_event.grade != protocol.FATAL_GRADE
        or fatal_adverse_event.resolved_on != off.event_on
    ):
        _make_fatal(fatal_adverse_event, off.event_on, user)
    with pghistory.context(user=user.pk, reason=f"Schedule rebuilt: {reason}"):
        followup_schedule_build(records.patient)
    return off
