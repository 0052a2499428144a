"""The allo-HSCT: one per patient, allowed once the disease is controlled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.models import Transplant
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update


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
        add_error(
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
    entry_validate(
        transplant, values, form=crfs.TRANSPLANT, records=records, check=_transplant_errors
    )
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
    transplant = records.transplant or transplant  # as stored, read under the patient's lock
    entry_validate(
        transplant, values, form=crfs.TRANSPLANT, records=records, check=_transplant_errors
    )
    return record_update(
        transplant, fields=values.keys(), expected_version=version, user=user, reason=reason
    )
