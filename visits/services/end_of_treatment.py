"""The end of study treatment: it starts the follow-up schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.models import EndOfTreatment, FollowUpVisit
from visits.services.entry import add_error, entry_validate
from visits.services.follow_up import followup_schedule_build
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update


def _end_of_treatment_errors(records: PatientRecords, eot: EndOfTreatment) -> Errors:
    errors = date_errors(records, {"ended_on": eot.ended_on})
    open_cycles = [c for c in records.cycles if c.ended_on is None]
    if open_cycles:
        add_error(
            errors,
            "ended_on",
            _("Cycle %(number)s is still open: record its end date first.")
            % {"number": open_cycles[0].number},
        )
    last = records.cycles[-1] if records.cycles else None
    if last and last.ended_on and eot.ended_on and eot.ended_on < last.ended_on:
        add_error(
            errors,
            "ended_on",
            _("Cycle %(number)s ended on %(ended_on)s: the end of treatment cannot be earlier.")
            % {"number": last.number, "ended_on": day_text(last.ended_on)},
        )
    done = (
        FollowUpVisit.objects.filter(patient=records.patient, performed_on__isnull=False)
        .order_by("performed_on")
        .first()
    )
    if done and done.performed_on and eot.ended_on and eot.ended_on >= done.performed_on:
        add_error(
            errors,
            "ended_on",
            _("Follow-up visit %(visit)s was done on %(done_on)s: treatment ended before it.")
            % {"visit": done.label, "done_on": day_text(done.performed_on)},
        )
    if eot.reason == protocol.EndOfTreatmentReason.DEATH and records.death_on is None:
        add_error(errors, "reason", _("Record the death (off study) first."))
    if eot.reason == protocol.EndOfTreatmentReason.HSCT and records.transplant is None:
        add_error(errors, "reason", _("Record the allo-HSCT first."))
    return errors


@transaction.atomic
def end_of_treatment_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> EndOfTreatment:
    """Record the end of study treatment and build the follow-up schedule from it."""
    records = patient_records_for_update(patient, user)
    if records.end_of_treatment is not None:
        raise ValidationError(
            {"ended_on": [_("The end of treatment is already recorded: correct it instead.")]}
        )
    eot = EndOfTreatment(patient=records.patient, created_by=user)
    entry_validate(
        eot, values, form=crfs.END_OF_TREATMENT, records=records, check=_end_of_treatment_errors
    )
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
    eot = records.end_of_treatment or eot  # as stored, read under the patient's lock
    entry_validate(
        eot, values, form=crfs.END_OF_TREATMENT, records=records, check=_end_of_treatment_errors
    )
    record_update(eot, fields=values.keys(), expected_version=version, user=user, reason=reason)
    with pghistory.context(user=user.pk, reason=f"Follow-up schedule rebuilt: {reason}"):
        followup_schedule_build(records.patient)
    return eot
