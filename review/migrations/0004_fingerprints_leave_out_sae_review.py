"""Stored fingerprints re-stamped: an SAE's review is no longer part of them.

Marking a serious adverse event reviewed (sae_reviewed_at, sae_reviewed_by) is the reviewer's
acknowledgement, not clinical data, so visits/crfs.py now leaves it out of the adverse event's
fingerprint. Without this migration every signature of a casebook with an adverse event, and
every verification mark of a whole adverse event, would read as broken after the upgrade.

A stored fingerprint that still matches the computation before this change gets the
fingerprint of the same data under the new one: a valid signature or mark stays valid. One
that no longer matches (the data changed after it was given) is left as it is: a broken one
stays broken. The audit trail keeps each re-stamp, old and new fingerprint, with its reason.

The computation is copied here as review/fingerprints.py made it, on the models as they stand
at this point of the migrations, so a later change of the code cannot change what this
migration does (tests/review/test_sae_review_is_not_a_change.py and
test_fingerprint_compatibility.py hold it to the code of today). A field that a form declares
as added after signatures were given counts only once it holds a value, as in the code: an
empty new column changes no fingerprint here, whichever migrations ran before this one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pghistory
from django.db import migrations

BOOKKEEPING = ("id", "version", "created_at", "updated_at", "created_by")
SAE_REVIEW = ("sae_reviewed_at", "sae_reviewed_by")
ADVERSE_EVENT = "visits.AdverseEvent"
# The declared forms, in the order a casebook fingerprint lists their records.
SIGNED_ORDER = (
    "visits.TreatmentCycle",
    "visits.ResponseAssessment",
    "visits.Transplant",
    "visits.EndOfTreatment",
    "visits.FollowUpVisit",
    "visits.AdverseEvent",
    "visits.OffStudy",
)
# Signatures are append-only (review.Signature's trigger, by its id in PostgreSQL): this
# migration alone may re-stamp them. An array literal, as pgtrigger's ignore list reads it.
SIGNATURE_APPEND_ONLY = "{pgtrigger_signature_append_only_3eda5}"
REASON = "Fingerprint re-stamped: an SAE's review is not clinical data (issue 11)"


def _added_fields() -> dict[str, tuple[str, ...]]:
    """The fields each form declares as added after signatures were given (counted once they
    hold a value). Read from today's declarations: a field listed there stays listed, and
    one added after this migration has no column at this point."""
    from casebook.registry import site

    return {form.model._meta.label: form.fingerprint_added_fields for form in site}


def record_values(record: Any, *, sae_review: bool, added: dict) -> dict[str, Any]:
    """The record's fingerprinted values, with or without an adverse event's review."""
    label = record._meta.label
    ignored = BOOKKEEPING if sae_review or label != ADVERSE_EVENT else BOOKKEEPING + SAE_REVIEW
    values = {
        field.name: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.name not in ignored
    }
    later = added.get(label, ())
    return {
        name: value
        for name, value in values.items()
        if name not in later or value not in (None, "")
    }


def fingerprint(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def casebook_records(apps, patient: Any) -> list[Any]:
    """The patient, the screening and its answers, the randomization, then each form's
    records: the order of a casebook fingerprint."""
    records = [patient]
    screening = apps.get_model("patients", "Screening")._default_manager.filter(patient=patient)
    for found in screening:
        records.append(found)
        answers = apps.get_model("patients", "CriterionAnswer")._default_manager
        records += list(answers.filter(screening=found).order_by("code"))
    randomizations = apps.get_model("randomization", "Randomization")._default_manager
    records += list(randomizations.filter(patient=patient))
    for label in SIGNED_ORDER:
        model = apps.get_model(label)
        records += list(model._default_manager.filter(patient=patient).order_by("pk"))
    return records


def casebook_fingerprint(records: list[Any], *, sae_review: bool, added: dict) -> str:
    return fingerprint(
        [
            [r._meta.label, r.pk, record_values(r, sae_review=sae_review, added=added)]
            for r in records
        ]
    )


@contextmanager
def _signatures_writable(connection: Any) -> Iterator[None]:
    """Let this transaction re-stamp signatures: their append-only trigger stands aside for
    it alone (pgtrigger's per-transaction ignore list), and is back right after."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [SIGNATURE_APPEND_ONLY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def restamp(apps, schema_editor, *, forwards: bool = True) -> None:
    """Give each stored fingerprint of the computation left behind the one of the other."""
    added = _added_fields()
    old, new = (True, False) if forwards else (False, True)
    Patient = apps.get_model("patients", "Patient")
    Signature = apps.get_model("review", "Signature")
    SourceVerification = apps.get_model("review", "SourceVerification")
    AdverseEvent = apps.get_model(ADVERSE_EVENT)
    ContentType = apps.get_model("contenttypes", "ContentType")

    # The audit trail keeps each re-stamp (old and new fingerprint) with this reason.
    with pghistory.context(reason=REASON), _signatures_writable(schema_editor.connection):
        signed = Signature._default_manager.values_list("patient_id", flat=True)
        for patient in Patient._default_manager.filter(pk__in=set(signed)):
            records = casebook_records(apps, patient)
            before = casebook_fingerprint(records, sae_review=old, added=added)
            after = casebook_fingerprint(records, sae_review=new, added=added)
            if before != after:  # the same unless the casebook has an adverse event
                Signature._default_manager.filter(patient=patient, fingerprint=before).update(
                    fingerprint=after
                )

        adverse_event = ContentType._default_manager.filter(
            app_label="visits", model="adverseevent"
        ).first()
        marks = list(
            SourceVerification._default_manager.filter(content_type=adverse_event, field_name="")
        )
        events = AdverseEvent._default_manager.in_bulk({mark.object_id for mark in marks})
        for mark in marks:
            event = events.get(mark.object_id)
            if event is None:
                continue
            before = fingerprint(record_values(event, sae_review=old, added=added))
            after = fingerprint(record_values(event, sae_review=new, added=added))
            if mark.fingerprint == before and before != after:
                SourceVerification._default_manager.filter(pk=mark.pk).update(fingerprint=after)


def restamp_backwards(apps, schema_editor) -> None:
    restamp(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0003_datalock_moves_to_locks"),
        ("patients", "0002_screening_version"),
        ("randomization", "0001_initial"),
        ("visits", "0003_alter_protocoldeviation_kind_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(restamp, restamp_backwards)]
