"""The allo-HSCT: one per patient, allowed once the disease is controlled.

A transplant in uncontrolled disease is a real event: it is recorded all the same, with the
disease status at HSCT, and the system records a major protocol deviation (deviations.py)
on which an automatic query follows (review/checks.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import INITIAL_ENTRY, reason_for_change, record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.models import ResponseAssessment, Transplant
from visits.services.deviations import course_deviations_check
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update


def last_response_on_or_before(
    responses: Sequence[ResponseAssessment], on: dt.date
) -> ResponseAssessment | None:
    """Return the last response assessed on or before `on` (responses in date order)."""
    return next((r for r in reversed(responses) if r.assessed_on <= on), None)


def disease_status_proposed(
    responses: Sequence[ResponseAssessment], on: dt.date
) -> protocol.DiseaseStatusAtTransplant | None:
    """Return the disease status the last response on or before the HSCT shows, if any."""
    last = last_response_on_or_before(responses, on)
    return protocol.DiseaseStatusAtTransplant.of_response(last.category) if last else None


def _with_status_proposed(
    records: PatientRecords, values: Mapping[str, Any], stored: Transplant | None
) -> Mapping[str, Any]:
    """Fill in a disease status left empty from the last response on or before the HSCT."""
    on = values.get("transplanted_on", stored.transplanted_on if stored else None)
    status = values.get("disease_status", stored.disease_status if stored else "")
    proposed = disease_status_proposed(records.responses, on) if on and not status else None
    return {**values, "disease_status": proposed} if proposed else values


def _transplant_errors(records: PatientRecords, transplant: Transplant) -> Errors:
    errors = date_errors(records, {"transplanted_on": transplant.transplanted_on})
    on = transplant.transplanted_on
    cycle = records.cycle_given_on(on) if on else None
    if on and cycle is not None and cycle.ended_on:
        add_error(
            errors,
            "transplanted_on",
            _(
                "%(day)s falls within cycle %(number)s (%(started_on)s to %(ended_on)s): an "
                "allo-HSCT is not given during a cycle of salvage therapy."
            )
            % {
                "day": day_text(on),
                "number": cycle.number,
                "started_on": day_text(cycle.started_on),
                "ended_on": day_text(cycle.ended_on),
            },
        )
    if not transplant.disease_status and transplant.transplanted_on:
        add_error(
            errors,
            "disease_status",
            _(
                "Give the disease status at HSCT: no response is recorded on or before "
                "%(transplanted_on)s to take it from."
            )
            % {"transplanted_on": day_text(transplant.transplanted_on)},
        )
    return errors


@transaction.atomic
def transplant_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> Transplant:
    """Record the allo-HSCT; in uncontrolled disease, with a major protocol deviation.

    A disease status left empty is taken from the last response on or before the HSCT.
    """
    records = patient_records_for_update(patient, user)
    if records.transplant is not None:
        raise ValidationError(
            {"transplanted_on": [_("An allo-HSCT is already recorded: correct it instead.")]}
        )
    transplant = Transplant(patient=records.patient, created_by=user)
    values = _with_status_proposed(records, values, None)
    entry_validate(
        transplant, values, form=crfs.TRANSPLANT, records=records, check=_transplant_errors
    )
    record_create(transplant, user=user)
    course_deviations_check(patient=records.patient, user=user, reason=INITIAL_ENTRY)
    return transplant


@transaction.atomic
def transplant_update(
    *,
    transplant: Transplant,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Transplant:
    """Correct the allo-HSCT; whether the disease was controlled is judged again."""
    records = patient_records_for_update(transplant.patient, user)
    transplant = records.transplant or transplant  # as stored, read under the patient's lock
    values = _with_status_proposed(records, values, transplant)
    entry_validate(
        transplant, values, form=crfs.TRANSPLANT, records=records, check=_transplant_errors
    )
    record_update(
        transplant, fields=values.keys(), expected_version=version, user=user, reason=reason
    )
    course_deviations_check(patient=records.patient, user=user, reason=reason_for_change(reason))
    return transplant
