"""The follow-up schedule (built from the end of treatment) and its visits: done or missed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import reason_for_change, record_update
from patients.models import Patient
from randomization.models import Randomization
from visits import crfs, schedule
from visits.models import EndOfTreatment, FollowUpVisit, OffStudy
from visits.services.entry import add_error, field_errors, values_apply
from visits.state import (
    Errors,
    PatientRecords,
    date_errors,
    day_text,
    patient_records_for_update,
    raise_if,
)


def first_randomization_on() -> dt.date | None:
    """Return the date the trial's first patient was randomized (the end of study follows)."""
    first = Randomization.objects.aggregate(first=Min("randomized_at"))["first"]
    return timezone.localtime(first).date() if first else None


def followup_schedule_build(patient: Patient) -> list[FollowUpVisit]:
    """(Re)build the patient's follow-up visits from the end of treatment to the end of study.

    Completed visits (done or missed) are kept as they are; planned ones are moved to the
    new dates, added or removed. An off-study event ends the schedule at its date.
    """
    eot = EndOfTreatment.objects.filter(patient=patient).first()
    existing = {v.month: v for v in FollowUpVisit.objects.filter(patient=patient)}
    if eot is None:
        FollowUpVisit.objects.filter(
            pk__in=[v.pk for v in existing.values() if not v.is_completed]
        ).delete()
        return []
    first_randomized_on = first_randomization_on()
    assert first_randomized_on is not None, "an end of treatment follows a randomization"
    ends_on = schedule.end_of_study(first_randomized_on)
    plan = schedule.planned_visits(eot.ended_on, ends_on)
    off_study = OffStudy.objects.filter(patient=patient).first()
    if off_study is not None:
        # Only visits whose window closed before the patient left remain owed; one whose
        # window was still open at death (or withdrawal) can no longer be done. At the end
        # of study, dated the last known alive, the visits owed before it stay owed.
        left_on = off_study.event_on
        if off_study.reason == protocol.OffStudyReason.END_OF_STUDY:
            left_on = max(left_on, ends_on)
        plan = [p for p in plan if p.window_closes_on < left_on]
    planned_months = {p.month for p in plan}
    FollowUpVisit.objects.filter(
        pk__in=[v.pk for m, v in existing.items() if m not in planned_months and not v.is_completed]
    ).delete()
    # The new visits in one INSERT: the audit triggers write each row's event all the same.
    FollowUpVisit.objects.bulk_create(
        FollowUpVisit(
            patient=patient,
            month=planned.month,
            target_on=planned.target_on,
            window_opens_on=planned.window_opens_on,
            window_closes_on=planned.window_closes_on,
            created_by=eot.created_by,
        )
        for planned in plan
        if planned.month not in existing
    )
    for planned in plan:
        visit = existing.get(planned.month)
        if visit is not None and not visit.is_completed and visit.target_on != planned.target_on:
            FollowUpVisit.objects.filter(pk=visit.pk).update(
                target_on=planned.target_on,
                window_opens_on=planned.window_opens_on,
                window_closes_on=planned.window_closes_on,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
    return list(FollowUpVisit.objects.filter(patient=patient).order_by("month"))


def _visit_errors(records: PatientRecords, visit: FollowUpVisit) -> Errors:
    errors = date_errors(
        records,
        {"performed_on": visit.performed_on},
        after_death_allowed=visit.vital_status == protocol.VitalStatus.DEAD,
    )
    if visit.performed_on is None:
        add_error(errors, "performed_on", _("Give the date of the visit (or mark it missed)."))
        return errors
    eot = records.end_of_treatment
    if eot is not None and visit.performed_on < eot.ended_on:
        add_error(
            errors,
            "performed_on",
            _("Follow-up starts after the end of treatment (%(ended_on)s).")
            % {"ended_on": day_text(eot.ended_on)},
        )
    if not visit.vital_status:
        add_error(errors, "vital_status", _("Required."))
    if visit.vital_status == protocol.VitalStatus.DEAD and records.death_on is None:
        add_error(errors, "vital_status", _("Record the death (off study) first, with its date."))
    if visit.vital_status == protocol.VitalStatus.ALIVE and records.death_on is not None:
        add_error(
            errors,
            "vital_status",
            _("The patient died on %(died_on)s.") % {"died_on": day_text(records.death_on)},
        )
    if visit.transplant_since_last and records.transplant is None:
        add_error(errors, "transplant_since_last", _("Record the allo-HSCT itself first."))
    return errors


@transaction.atomic
def followup_visit_record(
    *,
    visit: FollowUpVisit,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str = "",
) -> FollowUpVisit:
    """Fill in a planned visit; once done, a correction needs a reason like any other."""
    records = patient_records_for_update(visit.patient, user)
    visit = FollowUpVisit.objects.get(pk=visit.pk)
    first_entry = not visit.is_completed
    values_apply(visit, values, allowed=crfs.FOLLOW_UP_VISIT.entered_fields)
    visit.missed_reason = ""
    errors = field_errors(visit, form=crfs.FOLLOW_UP_VISIT, exclude=("patient", "created_by"))
    raise_if(errors or _visit_errors(records, visit))
    return record_update(
        visit,
        fields=[*values.keys(), "missed_reason"],
        expected_version=version,
        user=user,
        reason="Visit recorded" if first_entry else reason,
    )


@transaction.atomic
def followup_visit_miss(
    *, visit: FollowUpVisit, user: User, missed_reason: str, version: int | None
) -> FollowUpVisit:
    """Mark a planned visit missed, with why; a done visit cannot be marked missed."""
    patient_records_for_update(visit.patient, user)
    visit = FollowUpVisit.objects.get(pk=visit.pk)
    if visit.performed_on is not None:
        raise ValidationError({"missed_reason": [_("This visit is recorded as done.")]})
    missed_reason = reason_for_change(
        missed_reason, field="missed_reason", missing=_("Say why the visit was missed.")
    )
    if visit.window_opens_on > timezone.localdate():
        raise ValidationError(
            {
                "missed_reason": [
                    _("The visit window opens on %(opens_on)s: it cannot be missed yet.")
                    % {"opens_on": day_text(visit.window_opens_on)}
                ]
            }
        )
    visit.missed_reason = missed_reason
    return record_update(
        visit, fields=["missed_reason"], expected_version=version, user=user, reason="Visit missed"
    )
