"""Response assessments: a category the values contradict is refused (visits/responses.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs, responses
from visits.models import ResponseAssessment
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update


def _response_errors(records: PatientRecords, assessment: ResponseAssessment) -> Errors:
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
    entry_validate(assessment, values, form=crfs.RESPONSE, records=records, check=_response_errors)
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
    entry_validate(assessment, values, form=crfs.RESPONSE, records=records, check=_response_errors)
    assessment.after_cycle = _after_cycle(records, assessment.assessed_on)
    return record_update(
        assessment,
        fields=[*values.keys(), "after_cycle"],
        expected_version=version,
        user=user,
        reason=reason,
    )
