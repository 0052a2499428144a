"""Adverse events (CTCAE v5.0 term and grade) and the review of serious ones.

The safety rules held here: a term takes only the grades CTCAE v5.0 defines for it; grade 5
is a death, reached only through the death's record (visits/services/off_study.py), and is
always serious; relatedness to dexamethasone is 'not applicable' for a control-arm patient
who received none before the onset, and is judged for everyone else. Whether an event is
treatment-emergent is derived when read (visits/treatment_emergence.py), never typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from accounts.permissions import user_can_review_sae
from audit.records import record_create, record_update
from locks.services import ensure_unlocked
from patients.models import Patient
from visits import crfs
from visits.ctcae import CTCAE_TERM_NAMES, OTHER_SPECIFY, allowed_grades, grade_refusal, term_label
from visits.models import AdverseEvent
from visits.safety_hooks import serious_event_recorded
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update


def _adverse_event_errors(records: PatientRecords, event: AdverseEvent) -> Errors:
    errors = date_errors(records, {"onset_on": event.onset_on, "resolved_on": event.resolved_on})
    if event.term not in CTCAE_TERM_NAMES:
        add_error(
            errors,
            "term",
            _(
                "'%(term)s' is not a CTCAE v5.0 term offered here; choose '%(other)s' and give "
                "the exact term."
            )
            % {"term": event.term, "other": term_label(OTHER_SPECIFY)},
        )
    if event.term == OTHER_SPECIFY and not event.term_specified.strip():
        add_error(errors, "term_specified", _("Give the CTCAE term."))
    if event.term != OTHER_SPECIFY and event.term_specified:
        add_error(
            errors,
            "term_specified",
            _("Only for '%(other)s'.") % {"other": term_label(OTHER_SPECIFY)},
        )
    if event.resolved_on and event.onset_on and event.resolved_on < event.onset_on:
        add_error(errors, "resolved_on", _("Cannot precede the onset."))
    _grade_errors(records, event, errors)
    _relatedness_errors(records, event, errors)
    return errors


def _grade_errors(records: PatientRecords, event: AdverseEvent, errors: Errors) -> None:
    """Grade 5 is a death, recorded with the death and always serious; and each term has
    only the grades CTCAE v5.0 defines for it."""
    off_study = records.off_study
    is_the_fatal_event = bool(
        off_study and event.pk and off_study.fatal_adverse_event_id == event.pk
    )
    if allowed_grades(event.term) == (protocol.FATAL_GRADE,) and not is_the_fatal_event:
        add_error(
            errors,
            "term",
            _(
                "'%(term)s' has grade 5 only in CTCAE v5.0: a death whose cause is not "
                "known is recorded on the off-study form (death, cause unknown), not as an "
                "adverse event."
            )
            % {"term": term_label(event.term)},
        )
    elif event.grade == protocol.FATAL_GRADE and not is_the_fatal_event:
        add_error(
            errors,
            "grade",
            _(
                "Grade 5 is a fatal event: record the death (off study, cause: "
                "adverse event) naming this event, which then becomes grade 5."
            ),
        )
    elif refusal := grade_refusal(event.term, event.grade):
        add_error(errors, "grade", refusal)
    if event.grade == protocol.FATAL_GRADE and not event.serious:
        add_error(
            errors,
            "serious",
            _("A grade 5 event (a death) is always serious (SAE): keep it marked serious."),
        )
    if is_the_fatal_event and off_study:
        if event.grade != protocol.FATAL_GRADE:
            add_error(
                errors,
                "grade",
                _("The patient's death is attributed to this event: it must stay grade 5."),
            )
        if event.resolved_on != off_study.event_on:
            add_error(
                errors,
                "resolved_on",
                _("A fatal event ends on the date of death (%(died_on)s).")
                % {"died_on": day_text(off_study.event_on)},
            )


def _relatedness_errors(records: PatientRecords, event: AdverseEvent, errors: Errors) -> None:
    """Relatedness to dexamethasone is judged for every patient who received it, and for
    every patient of the dexamethasone arm; for a control-arm patient who received none
    before the onset there is nothing to judge: 'not applicable', and only that."""
    not_applicable = event.related_to_dexamethasone == protocol.Relatedness.NOT_APPLICABLE
    if records.randomization.arm == protocol.DEXAMETHASONE_ARM:
        if not_applicable:
            add_error(
                errors,
                "related_to_dexamethasone",
                _(
                    "The patient is in the dexamethasone arm: say how related the event is to "
                    "dexamethasone ('not applicable' is for a control-arm patient who received "
                    "none)."
                ),
            )
        return
    exposed_in = next(
        (
            c
            for c in records.cycles
            if c.dexamethasone_given and event.onset_on and c.started_on <= event.onset_on
        ),
        None,
    )
    if exposed_in is None and not not_applicable:
        add_error(
            errors,
            "related_to_dexamethasone",
            _(
                "The patient is in the control arm and received no dexamethasone before the "
                "onset: relatedness to dexamethasone is 'not applicable'."
            ),
        )
    elif exposed_in is not None and not_applicable:
        add_error(
            errors,
            "related_to_dexamethasone",
            _(
                "This control-arm patient received dexamethasone in cycle %(number)s "
                "(started %(started_on)s; a protocol deviation) before the onset: say how "
                "related the event is to it."
            )
            % {"number": exposed_in.number, "started_on": day_text(exposed_in.started_on)},
        )


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
    record_create(event, user=user)
    if event.serious:
        serious_event_recorded(event, user=user)
    return event


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
    record_update(event, fields=fields, expected_version=version, user=user, reason=reason)
    if event.serious and not was_serious:
        serious_event_recorded(event, user=user)
    return event


@transaction.atomic
def adverse_event_review(*, event: AdverseEvent, user: User) -> AdverseEvent:
    """Mark a serious adverse event reviewed by an investigator of the site or a data manager."""
    if not user_can_review_sae(user, event.patient.site):
        raise PermissionDenied(
            _("SAEs are reviewed by an investigator of the site or a data manager.")
        )
    Patient.objects.select_for_update().filter(pk=event.patient_id).first()
    ensure_unlocked(event.patient)
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    if not event.serious:
        raise ValidationError({"serious": [_("Only serious adverse events need this review.")]})
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
