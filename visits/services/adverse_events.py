"""Adverse events (CTCAE v5.0 term and grade) and the review of serious ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from accounts.permissions import user_can_review_sae
from audit.records import record_create, record_update
from locks.services import ensure_unlocked
from patients.models import Patient
from visits import crfs
from visits.ctcae import CTCAE_TERM_NAMES, OTHER_SPECIFY
from visits.models import AdverseEvent
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update


def _adverse_event_errors(records: PatientRecords, event: AdverseEvent) -> Errors:
    errors = date_errors(records, {"onset_on": event.onset_on, "resolved_on": event.resolved_on})
    if event.term not in CTCAE_TERM_NAMES:
        add_error(
            errors,
            "term",
            f"{event.term!r} is not a CTCAE v5.0 term offered here; choose "
            f"'{OTHER_SPECIFY}' and give the exact term.",
        )
    if event.term == OTHER_SPECIFY and not event.term_specified.strip():
        add_error(errors, "term_specified", "Give the CTCAE term.")
    if event.term != OTHER_SPECIFY and event.term_specified:
        add_error(errors, "term_specified", f"Only for '{OTHER_SPECIFY}'.")
    if event.resolved_on and event.onset_on and event.resolved_on < event.onset_on:
        add_error(errors, "resolved_on", "Cannot precede the onset.")
    off_study = records.off_study
    is_the_fatal_event = bool(
        off_study and event.pk and off_study.fatal_adverse_event_id == event.pk
    )
    if event.grade == protocol.FATAL_GRADE and not is_the_fatal_event:
        add_error(
            errors,
            "grade",
            "Grade 5 is a fatal event: record the death (off study, cause: "
            "adverse event) naming this event, which then becomes grade 5.",
        )
    if is_the_fatal_event and off_study:
        if event.grade != protocol.FATAL_GRADE:
            add_error(
                errors,
                "grade",
                "The patient's death is attributed to this event: it must stay grade 5.",
            )
        if event.resolved_on != off_study.event_on:
            add_error(
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
    entry_validate(
        event, values, form=crfs.ADVERSE_EVENT, records=records, check=_adverse_event_errors
    )
    return record_create(event, user=user)


@transaction.atomic
def adverse_event_update(
    *, event: AdverseEvent, user: User, values: Mapping[str, Any], version: int | None, reason: str
) -> AdverseEvent:
    records = patient_records_for_update(event.patient, user)
    event = AdverseEvent.objects.get(pk=event.pk)
    was_serious = event.serious
    entry_validate(
        event, values, form=crfs.ADVERSE_EVENT, records=records, check=_adverse_event_errors
    )
    fields = list(values.keys())
    if event.serious and not was_serious:
        event.sae_reviewed_at, event.sae_reviewed_by = None, None
        fields += ["sae_reviewed_at", "sae_reviewed_by"]
    return record_update(event, fields=fields, expected_version=version, user=user, reason=reason)


@transaction.atomic
def adverse_event_review(*, event: AdverseEvent, user: User) -> AdverseEvent:
    """Mark a serious adverse event reviewed by an investigator of the site or a data manager."""
    if not user_can_review_sae(user, event.patient.site):
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
