"""Fingerprints of what was verified or signed, to tell later whether it changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Model

from patients.models import Patient

# Bookkeeping columns that change without the data changing.
_IGNORED = {"id", "version", "created_at", "updated_at", "created_by"}


def record_values(record: Model, field_name: str = "") -> dict[str, Any]:
    """The record's data values (one field's if named), as stored."""
    names = (
        [field_name]
        if field_name
        else [f.name for f in record._meta.concrete_fields if f.name not in _IGNORED]
    )
    return {
        name: getattr(record, f"{name}_id" if record._meta.get_field(name).is_relation else name)
        for name in names
    }


def fingerprint(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def casebook_records(patient: Patient) -> list[Model]:
    """Every record of the patient's casebook, one query per kind of record."""
    from randomization.models import Randomization
    from visits import models as v

    # Re-read: a patient object held by the caller may be out of date.
    patient = Patient.objects.select_related("screening").get(pk=patient.pk)
    records: list[Model] = [patient]
    screening = getattr(patient, "screening", None)
    if screening is not None:
        records.append(screening)
        records += list(screening.answers.order_by("code"))
    records += list(Randomization.objects.filter(patient=patient))
    for model in (
        v.TreatmentCycle,
        v.ResponseAssessment,
        v.Transplant,
        v.EndOfTreatment,
        v.FollowUpVisit,
        v.AdverseEvent,
        v.OffStudy,
    ):
        records += list(model.objects.filter(patient=patient).order_by("pk"))
    return records


def casebook_fingerprint(patient: Patient) -> str:
    return fingerprint([[r._meta.label, r.pk, record_values(r)] for r in casebook_records(patient)])
