"""Off study: death, consent withdrawal, loss to follow-up, end of study reached or
follow-up completed; the schedule ends there.

The follow-up goes on until death, consent withdrawal, loss to follow-up or the end of study,
whichever first (PROTOCOL.md). "End of study reached" is recorded once the end of study has
come (5 years after the first patient's randomization; the daily close-out records it for
every patient still followed, services/end_of_study.py); "follow-up completed" once every
scheduled follow-up visit is done or missed. Both, like a withdrawal or a loss, date the
last time the patient was known alive, never before the patient's latest record: OS is
censored there (endpoints/datasets.py), so a date later than the last contact would
lengthen the follow-up the data show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs, schedule
from visits.ctcae import allowed_grades, grade_refusal, grades_text, term_label
from visits.models import AdverseEvent, FollowUpVisit, OffStudy
from visits.safety_hooks import serious_event_recorded
from visits.services.entry import add_error, field_errors, values_apply
from visits.services.follow_up import first_randomization_on, followup_schedule_build
from visits.state import (
    Errors,
    PatientRecords,
    date_errors,
    day_text,
    patient_records_for_update,
    raise_if,
)

# Set by the service from its own argument, not typed as a field of the form.
_NOT_TYPED = ("patient", "created_by", "fatal_adverse_event")


def last_known_alive_on(records: PatientRecords) -> tuple[dt.date, str]:
    """The latest date the records show the patient alive, with what it is (at least the
    randomization): what "end of study reached" is dated when nobody saw the patient since."""
    latest = _latest_dated_record(records)
    return latest or (records.randomized_on, _("the randomization"))


def _latest_dated_record(records: PatientRecords) -> tuple[dt.date, str] | None:
    """Return the latest date on the patient's records, with what it is, for death checks."""
    dated: list[tuple[dt.date, str]] = [(records.randomized_on, _("the randomization"))]
    for c in records.cycles:
        dated.append((c.ended_on or c.started_on, _("cycle %(number)s") % {"number": c.number}))
    dated += [(r.assessed_on, _("a response assessment")) for r in records.responses]
    if records.transplant:
        dated.append((records.transplant.transplanted_on, _("the allo-HSCT")))
    if records.end_of_treatment:
        dated.append((records.end_of_treatment.ended_on, _("the end of treatment")))
    dated += [
        (v.performed_on, _("follow-up visit %(visit)s") % {"visit": v.label})
        for v in FollowUpVisit.objects.filter(patient=records.patient, performed_on__isnull=False)
        if v.performed_on and v.vital_status != protocol.VitalStatus.DEAD
    ]
    dated += [
        (d, _("an adverse event"))
        for e in AdverseEvent.objects.filter(patient=records.patient)
        for d in (e.onset_on, e.resolved_on)
        if d and e.pk != (records.off_study.fatal_adverse_event_id if records.off_study else None)
    ]
    return max(dated) if dated else None


def _off_study_errors(
    records: PatientRecords, off: OffStudy, fatal_event: AdverseEvent | None
) -> Errors:
    errors = date_errors(records, {"event_on": off.event_on}, after_death_allowed=True)
    death = off.reason == protocol.OffStudyReason.DEATH
    if death:
        if not off.death_cause:
            add_error(errors, "death_cause", _("Give the cause of death."))
        latest = _latest_dated_record(records)
        if latest and off.event_on and latest[0] > off.event_on:
            add_error(
                errors,
                "event_on",
                _("Nothing can happen after death, but %(what)s is dated %(day)s.")
                % {"what": latest[1], "day": day_text(latest[0])},
            )
    elif off.death_cause:
        add_error(errors, "death_cause", _("Only for a death."))
    if death and off.death_cause == protocol.DeathCause.ADVERSE_EVENT:
        if fatal_event is None:
            add_error(
                errors,
                "fatal_adverse_event",
                _("Name the adverse event that caused the death (record it first if needed)."),
            )
        elif off.event_on and fatal_event.onset_on > off.event_on:
            add_error(errors, "fatal_adverse_event", _("That event began after the date of death."))
        elif protocol.FATAL_GRADE not in allowed_grades(fatal_event.term):
            add_error(
                errors,
                "fatal_adverse_event",
                _(
                    "'%(term)s' has %(grades)s in CTCAE v5.0, no grade 5: name the event that "
                    "caused the death (record it first if needed)."
                )
                % {
                    "term": term_label(fatal_event.term),
                    "grades": grades_text(allowed_grades(fatal_event.term)),
                },
            )
    elif fatal_event is not None:
        add_error(
            errors, "fatal_adverse_event", _("Only when the death is caused by an adverse event.")
        )
    if off.reason == protocol.OffStudyReason.END_OF_STUDY:
        _end_of_study_errors(records, off, errors)
    if off.reason == protocol.OffStudyReason.FOLLOW_UP_COMPLETED:
        _follow_up_completed_errors(records, off, errors)
    if off.reason == protocol.OffStudyReason.CONSENT_WITHDRAWN and not off.data_use:
        add_error(errors, "data_use", _("Say which data may still be used."))
    if off.reason != protocol.OffStudyReason.CONSENT_WITHDRAWN and off.data_use:
        add_error(errors, "data_use", _("Only for a consent withdrawal."))
    return errors


def _end_of_study_errors(records: PatientRecords, off: OffStudy, errors: Errors) -> None:
    """The end of study is reached once its date has come, not before; the date given is the
    last known alive, not before the patient's latest record."""
    first_on = first_randomization_on()
    if first_on is None or off.event_on is None:
        return
    ends_on = schedule.end_of_study(first_on)
    if timezone.localdate() >= ends_on:
        latest = last_known_alive_on(records)
        if off.event_on < latest[0]:
            add_error(
                errors,
                "event_on",
                _("The date is the last known alive: not before %(what)s, dated %(day)s.")
                % {"what": latest[1], "day": day_text(latest[0])},
            )
    elif off.event_on < ends_on:  # today, and so the date, is before the end of study
        add_error(
            errors,
            "event_on",
            _(
                "The study ends on %(ends_on)s, %(years)s years after the first patient's "
                "randomization (%(first_on)s): the end of study is reached on or after that date."
            )
            % {
                "ends_on": day_text(ends_on),
                "years": protocol.END_OF_STUDY_AFTER_FIRST_RANDOMIZATION_YEARS,
                "first_on": day_text(first_on),
            },
        )


def _follow_up_completed_errors(records: PatientRecords, off: OffStudy, errors: Errors) -> None:
    """Follow-up is completed when every visit of the schedule (from the end of treatment to
    the end of study) is done or missed; it is dated no earlier than the last visit done."""
    eot = records.end_of_treatment
    first_on = first_randomization_on()
    if eot is None or first_on is None:
        add_error(
            errors,
            "reason",
            _(
                "Follow-up starts at the end of treatment, and none is recorded: "
                "there is no follow-up to complete."
            ),
        )
        return
    plan = schedule.planned_visits(eot.ended_on, schedule.end_of_study(first_on))
    visits = {v.month: v for v in FollowUpVisit.objects.filter(patient=records.patient)}
    completed = {month for month, visit in visits.items() if visit.is_completed}
    owed = [f"M{p.month}" for p in plan if p.month not in completed]
    if owed:
        add_error(
            errors,
            "reason",
            ngettext(
                "Follow-up is completed once every scheduled visit is done or missed: "
                "%(visits)s is not.",
                "Follow-up is completed once every scheduled visit is done or missed: "
                "%(visits)s are not.",
                len(owed),
            )
            % {"visits": ", ".join(owed)},
        )
    done = sorted((v.performed_on, v.label) for v in visits.values() if v.performed_on)
    if done and off.event_on and off.event_on < done[-1][0]:
        last_on, label = done[-1]
        add_error(
            errors,
            "event_on",
            _("The date is the last known alive: not before visit %(visit)s, done on %(day)s.")
            % {"visit": label, "day": day_text(last_on)},
        )


def _make_fatal(event: AdverseEvent, died_on: dt.date, user: User) -> None:
    """The event named by the death becomes grade 5, ends on the date of death and is serious
    (grade 5 always is); if it was not serious, it now awaits an SAE review."""
    event.grade, event.resolved_on = protocol.FATAL_GRADE, died_on
    fields = ["grade", "resolved_on"]
    if not event.serious:
        event.serious, event.sae_reviewed_at, event.sae_reviewed_by = True, None, None
        fields += ["serious", "sae_reviewed_at", "sae_reviewed_by"]
    record_update(
        event,
        fields=fields,
        expected_version=None,
        user=user,
        reason="Fatal outcome recorded with the death",
    )
    # The death opens the event's SAE report, or a follow-up of the one already submitted.
    serious_event_recorded(event, user=user, fatal=True)


@transaction.atomic
def off_study_record(
    *,
    patient: Patient,
    user: User,
    values: Mapping[str, Any],
    fatal_adverse_event: AdverseEvent | None = None,
) -> OffStudy:
    """Record death, consent withdrawal or loss to follow-up; the schedule ends there.

    A death caused by an adverse event makes that event grade 5, ending on the date of
    death, in the same transaction: the two records always agree.
    """
    records = patient_records_for_update(patient, user)
    if records.off_study is not None:
        raise ValidationError(
            {
                "reason": [
                    _("Already off study (%(off_study)s): correct that record instead.")
                    % {"off_study": records.off_study}
                ]
            }
        )
    if fatal_adverse_event is not None and fatal_adverse_event.patient_id != patient.pk:
        raise ValidationError({"fatal_adverse_event": [_("Not an event of this patient.")]})
    off = OffStudy(
        patient=records.patient, created_by=user, fatal_adverse_event=fatal_adverse_event
    )
    values_apply(off, values, allowed=crfs.OFF_STUDY.entered_fields)
    errors = field_errors(off, form=crfs.OFF_STUDY, exclude=_NOT_TYPED)
    raise_if(errors or _off_study_errors(records, off, fatal_adverse_event))
    record_create(off, user=user)
    if fatal_adverse_event is not None:
        _make_fatal(fatal_adverse_event, off.event_on, user)
    with pghistory.context(user=user.pk, reason=f"Schedule ended: {off.get_reason_display()}"):
        followup_schedule_build(records.patient)
    return off


@transaction.atomic
def off_study_update(
    *,
    off_study: OffStudy,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
    fatal_adverse_event: AdverseEvent | None = None,
    previous_fatal_event_grade: int | None = None,
) -> OffStudy:
    """Correct an off-study record. If the death is no longer attributed to the event that
    was fatal, that event's true grade (1-4) must be given: it is regraded in the same
    transaction, so no grade 5 event is ever left without its death."""
    records = patient_records_for_update(off_study.patient, user)
    off = OffStudy.objects.get(pk=off_study.pk)
    previous_fatal = off.fatal_adverse_event
    values_apply(off, values, allowed=crfs.OFF_STUDY.entered_fields)
    off.fatal_adverse_event = fatal_adverse_event
    errors = field_errors(off, form=crfs.OFF_STUDY, exclude=_NOT_TYPED)
    errors = errors or _off_study_errors(records, off, fatal_adverse_event)
    # The event that was fatal and no longer is: its true grade must be given.
    released = previous_fatal if previous_fatal != fatal_adverse_event else None
    if released and previous_fatal_event_grade not in range(1, protocol.FATAL_GRADE):
        add_error(
            errors,
            "previous_fatal_event_grade",
            _("The death is no longer attributed to %(event)s: give that event's true grade (1-4).")
            % {"event": released.term_label},
        )
    elif (
        released
        and previous_fatal_event_grade is not None
        and (refusal := grade_refusal(released.term, previous_fatal_event_grade))
    ):
        add_error(errors, "previous_fatal_event_grade", refusal)
    raise_if(errors)
    if released and previous_fatal_event_grade is not None:  # refused above without one
        released.grade = previous_fatal_event_grade
        record_update(
            released,
            fields=["grade"],
            expected_version=None,
            user=user,
            reason=f"Death no longer attributed to this event: {reason}",
        )
    record_update(
        off,
        fields=[*values.keys(), "fatal_adverse_event"],
        expected_version=version,
        user=user,
        reason=reason,
    )
    if fatal_adverse_event is not None and (
        fatal_adverse_event.grade != protocol.FATAL_GRADE
        or fatal_adverse_event.resolved_on != off.event_on
        or not fatal_adverse_event.serious
    ):
        _make_fatal(fatal_adverse_event, off.event_on, user)
    with pghistory.context(user=user.pk, reason=f"Schedule rebuilt: {reason}"):
        followup_schedule_build(records.patient)
    return off
