"""Response assessments: a category the values contradict is refused (visits/responses.py),
and so is a timepoint the patient's course does not allow (visits/timepoints.py)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from django.db import transaction

import protocol
from accounts.models import User
from audit.records import INITIAL_ENTRY, reason_for_change, record_create, record_update
from patients.models import Patient
from visits import crfs, responses, timepoints
from visits.models import ResponseAssessment
from visits.services.deviations import course_deviations_check
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update


def _course(records: PatientRecords) -> timepoints.Course:
    return timepoints.course_of(
        regimen=records.randomization.regimen,
        cycles=records.cycles,
        end_of_treatment=records.end_of_treatment,
        transplant=records.transplant,
    )


def _points(records: PatientRecords) -> list[timepoints.Point]:
    """The stored assessments' places; read before a correction's values are applied."""
    return [timepoints.Point(r.pk, r.assessed_on, r.timepoint) for r in records.responses]


def _timepoint_errors(
    records: PatientRecords, assessment: ResponseAssessment, stored: list[timepoints.Point]
) -> Errors:
    changed = timepoints.Point(assessment.pk, assessment.assessed_on, assessment.timepoint)
    problems = timepoints.course_problems(_course(records), stored, changed)
    return {"timepoint": problems} if problems else {}


def _with_expected_timepoint(
    records: PatientRecords, values: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The values, with the timepoint the course expects on their date when none is given
    (the API's default; the page proposes the same one as the form's initial value)."""
    assessed_on = values.get("assessed_on")
    if values.get("timepoint") or not isinstance(assessed_on, dt.date):
        return values
    expected = timepoints.timepoint_expected(_course(records), _points(records), assessed_on)
    return {**values, "timepoint": expected.value}


def _response_errors(
    records: PatientRecords, assessment: ResponseAssessment, *, stored: list[timepoints.Point]
) -> Errors:
    errors = date_errors(records, {"assessed_on": assessment.assessed_on})
    if not records.cycles or (
        assessment.assessed_on and assessment.assessed_on < records.cycles[0].started_on
    ):
        add_error(
            errors,
            "assessed_on",
            "A response is assessed after treatment has started (record cycle 1 first).",
        )
    if errors:
        return errors
    timepoint_errors = _timepoint_errors(records, assessment, stored)
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
    had_remission = any(
        r.category in protocol.REMISSION_RESPONSES
        and r.assessed_on <= assessment.assessed_on
        and r.pk != assessment.pk
        for r in records.responses
    )
    return {
        **timepoint_errors,
        **responses.category_problems(
            assessment.category,
            values,
            baseline_blasts_pct=records.patient.screening.marrow_blasts_pct,
            had_remission=had_remission,
        ),
    }


def _after_cycle(records: PatientRecords, assessed_on: dt.date) -> int | None:
    started = [c.number for c in records.cycles if c.started_on <= assessed_on]
    return max(started) if started else None


@transaction.atomic
def response_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> ResponseAssessment:
    """Record a response assessment; a category its values contradict, or a timepoint the
    patient's course does not allow, is refused. Without a timepoint, the expected one for
    its date is recorded (visits/timepoints.py)."""
    records = patient_records_for_update(patient, user)
    assessment = ResponseAssessment(patient=records.patient, created_by=user)
    values = _with_expected_timepoint(records, values)
    stored = _points(records)
    entry_validate(
        assessment,
        values,
        form=crfs.RESPONSE,
        records=records,
        check=functools.partial(_response_errors, stored=stored),
    )
    assessment.after_cycle = _after_cycle(records, assessment.assessed_on)
    record_create(assessment, user=user)
    # A response changes which cycles follow a progression and whether the disease was
    # controlled at the HSCT: those deviations are judged again (deviations.py).
    course_deviations_check(patient=records.patient, user=user, reason=INITIAL_ENTRY)
    return assessment


@transaction.atomic
def response_update(
    *,
    assessment: ResponseAssessment,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> ResponseAssessment:
    """Correct a response assessment: its category and timepoint are checked again, and a
    correction that would leave another assessment's timepoint out of place is refused."""
    records = patient_records_for_update(assessment.patient, user)
    assessment = next(r for r in records.responses if r.pk == assessment.pk)
    stored = _points(records)
    entry_validate(
        assessment,
        values,
        form=crfs.RESPONSE,
        records=records,
        check=functools.partial(_response_errors, stored=stored),
    )
    assessment.after_cycle = _after_cycle(records, assessment.assessed_on)
    record_update(
        assessment,
        fields=[*values.keys(), "after_cycle"],
        expected_version=version,
        user=user,
        reason=reason,
    )
    course_deviations_check(patient=records.patient, user=user, reason=reason_for_change(reason))
    return assessment
