"""Fingerprints of what was verified or signed, to tell later whether it changed.

A verification mark or a signature stores the fingerprint of the values it covered; the same
data must always give the same fingerprint, or an upgrade would break every stored signature
(tests/review/test_fingerprint_compatibility.py pins one). Fingerprints cover clinical values
only: what a form declares in `fingerprint_ignores` (bookkeeping, an SAE's review) is left
out. Changing what they cover needs a migration re-stamping the stored ones, as review
migration 0004 did when an SAE's review was left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Model

from casebook.registry import FormNotDeclared
from casebook.registry import site as casebook
from patients.models import Patient
from randomization.models import Randomization

# Bookkeeping columns that change without the data changing (records outside the casebook
# declarations; a declared form says the same in `fingerprint_ignores`).
_IGNORED = {"id", "version", "created_at", "updated_at", "created_by"}
# The order a casebook fingerprint lists the declared forms' records in. Signatures stored
# before the forms were declared list adverse events before the off-study record (the
# timeline shows them the other way round), so this order stays; a form declared later
# comes after these, in timeline order.
_SIGNED_ORDER = (
    "visits.TreatmentCycle",
    "visits.ResponseAssessment",
    "visits.Transplant",
    "visits.EndOfTreatment",
    "visits.FollowUpVisit",
    "visits.AdverseEvent",
    "visits.OffStudy",
)


def _stored_value(record: Model, name: str) -> Any:
    return getattr(record, f"{name}_id" if record._meta.get_field(name).is_relation else name)


def record_values(record: Model, field_name: str = "") -> dict[str, Any]:
    """The record's data values (one field's if named), as stored.

    A field its form declares as added after signatures were given counts only once it holds
    a value: an upgrade that adds an empty field leaves every stored fingerprint valid.
    """
    if field_name:
        return {field_name: _stored_value(record, field_name)}
    try:
        form = casebook.form_of(type(record))
    except FormNotDeclared:
        names = [f.name for f in record._meta.concrete_fields if f.name not in _IGNORED]
        return {name: _stored_value(record, name) for name in names}
    values = {name: _stored_value(record, name) for name in form.fingerprint_fields}
    return {
        name: value
        for name, value in values.items()
        if name not in form.fingerprint_added_fields or value not in (None, "")
    }


def fingerprint(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def casebook_records(patient: Patient) -> list[Model]:
    """Every record of the patient's casebook: the patient, the screening and its answers,
    the randomization, then each declared form's records in timeline order. One query per
    kind of record."""
    # Re-read: a patient object held by the caller may be out of date.
    patient = Patient.objects.select_related("screening").get(pk=patient.pk)
    records: list[Model] = [patient]
    screening = getattr(patient, "screening", None)
    if screening is not None:
        records.append(screening)
        records += list(screening.answers.order_by("code"))
    records += list(Randomization.objects.filter(patient=patient))
    for form in casebook:
        records += list(form.model._default_manager.filter(patient=patient).order_by("pk"))
    return records


def _signed_rank(record: Model) -> int:
    label = record._meta.label
    if label in _SIGNED_ORDER:
        return _SIGNED_ORDER.index(label)
    try:
        casebook.form_of(type(record))
    except FormNotDeclared:
        return -1  # the patient, screening, answers and randomization: first, as listed
    return len(_SIGNED_ORDER)  # a form declared later: after these, in timeline order


def casebook_fingerprint(patient: Patient) -> str:
    # A stable sort: within a rank, records keep the order casebook_records gives them.
    records = sorted(casebook_records(patient), key=_signed_rank)
    return fingerprint([[r._meta.label, r.pk, record_values(r)] for r in records])
