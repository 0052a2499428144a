"""What follows the allo-HSCT: a second HSCT, donor lymphocyte infusions, acute and chronic
GVHD, many per patient, each linked to the HSCT it follows.

The checks held here: every event needs the first HSCT recorded and is dated on or after it
(a second HSCT after it); each kind takes its own items and no other's (a second HSCT its
donor, conditioning, graft and disease status; a DLI its CD3+ dose; acute GVHD its grade
I-IV; chronic GVHD its NIH severity); one second HSCT per patient. The protocol's rule of
transplant in controlled disease is the first HSCT's (services/transplant.py): a second
HSCT, after relapse following the first, is off protocol treatment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from patients.models import Patient
from visits import crfs
from visits.models import PostTransplantEvent
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update

Kind = protocol.TransplantEventKind
SECOND_HSCT_ITEMS = ("donor_type", "conditioning", "graft_source", "disease_status")
_ITEMS_OF: dict[str, tuple[str, ...]] = {
    Kind.SECOND_HSCT: (*SECOND_HSCT_ITEMS, "mrd_status"),
    Kind.DLI: ("dli_cd3_per_kg",),
    Kind.ACUTE_GVHD: ("acute_gvhd_grade",),
    Kind.CHRONIC_GVHD: ("chronic_gvhd_severity",),
}
_REQUIRED_OF: dict[str, tuple[str, ...]] = {
    Kind.SECOND_HSCT: SECOND_HSCT_ITEMS,
    Kind.DLI: ("dli_cd3_per_kg",),
    Kind.ACUTE_GVHD: ("acute_gvhd_grade",),
    Kind.CHRONIC_GVHD: ("chronic_gvhd_severity",),
}
_KIND_ITEMS = {name for names in _ITEMS_OF.values() for name in names}


def _second_hsct(patient: Patient, *, other_than: int | None) -> PostTransplantEvent | None:
    seconds = PostTransplantEvent.objects.filter(patient=patient, kind=Kind.SECOND_HSCT)
    if other_than is not None:
        seconds = seconds.exclude(pk=other_than)
    return seconds.first()


def _event_errors(records: PatientRecords, event: PostTransplantEvent) -> Errors:
    errors = date_errors(records, {"occurred_on": event.occurred_on})
    first = records.transplant
    if first is None:
        add_error(errors, "kind", _("Record the allo-HSCT first: this event follows it."))
        return errors
    if event.occurred_on and event.occurred_on < first.transplanted_on:
        add_error(
            errors,
            "occurred_on",
            _("Before the allo-HSCT of %(transplanted_on)s, which it follows.")
            % {"transplanted_on": day_text(first.transplanted_on)},
        )
    elif event.kind == Kind.SECOND_HSCT and event.occurred_on == first.transplanted_on:
        add_error(errors, "occurred_on", _("A second HSCT comes after the first, not on its day."))
    own = _ITEMS_OF.get(event.kind, ())
    for name in _REQUIRED_OF.get(event.kind, ()):
        if getattr(event, name) in (None, ""):
            add_error(
                errors,
                name,
                _("Give it for a %(kind)s.") % {"kind": event.get_kind_display().lower()},
            )
    for name in sorted(_KIND_ITEMS - set(own)):
        if getattr(event, name) not in (None, ""):
            add_error(
                errors, name, _("Not for a %(kind)s.") % {"kind": event.get_kind_display().lower()}
            )
    if event.kind == Kind.SECOND_HSCT and _second_hsct(records.patient, other_than=event.pk):
        add_error(errors, "kind", _("A second HSCT is already recorded: correct it instead."))
    return errors


def _link(records: PatientRecords, event: PostTransplantEvent) -> None:
    """Link the event to the HSCT it follows: the second once it is on or before the event
    (a second HSCT is itself number 2), else the first."""
    second = _second_hsct(records.patient, other_than=event.pk)
    follows_second = second is not None and second.occurred_on <= event.occurred_on
    event.after_hsct = 2 if event.kind == Kind.SECOND_HSCT or follows_second else 1


def _relink_after(records: PatientRecords, user: User) -> None:
    """A second HSCT moved or added: the events after it follow it, the others the first."""
    second = _second_hsct(records.patient, other_than=None)
    for event in PostTransplantEvent.objects.filter(patient=records.patient).exclude(
        kind=Kind.SECOND_HSCT
    ):
        after = 2 if second is not None and second.occurred_on <= event.occurred_on else 1
        if event.after_hsct != after:
            event.after_hsct = after
            record_update(
                event,
                fields=["after_hsct"],
                expected_version=None,
                user=user,
                reason="Linked to the HSCT it follows",
            )


@transaction.atomic
def transplant_event_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> PostTransplantEvent:
    """Record a second HSCT, a DLI or a GVHD after the allo-HSCT."""
    records = patient_records_for_update(patient, user)
    event = PostTransplantEvent(patient=records.patient, created_by=user)
    entry_validate(event, values, form=crfs.TRANSPLANT_EVENT, records=records, check=_event_errors)
    _link(records, event)
    record_create(event, user=user)
    if event.kind == Kind.SECOND_HSCT:
        _relink_after(records, user)
    return event


@transaction.atomic
def transplant_event_update(
    *,
    event: PostTransplantEvent,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> PostTransplantEvent:
    """Correct a transplant event; the events are linked to their HSCT again."""
    records = patient_records_for_update(event.patient, user)
    event = PostTransplantEvent.objects.get(pk=event.pk)  # as stored, under the patient's lock
    if "kind" in values and values["kind"] != event.kind:
        raise ValidationError({"kind": [_("The kind of event is not corrected: record it anew.")]})
    entry_validate(event, values, form=crfs.TRANSPLANT_EVENT, records=records, check=_event_errors)
    _link(records, event)
    record_update(
        event,
        fields=[*values.keys(), "after_hsct"],
        expected_version=version,
        user=user,
        reason=reason,
    )
    _relink_after(records, user)
    return event
