"""Writes of blood counts and transfusions.

Each function locks the patient (visits.state), takes only the form's declared fields,
validates them (types, choices, the plausible ranges declared in labs/crfs.py), then checks
the date against the patient's course: within the window of the cycle named, not in the
future, not before the randomization, not after the death. Any refusal saves nothing.
Corrections give a reason and the version read (audit.records.record_update).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.records import record_create, record_update, records_create
from casebook.declarations import Form
from labs import crfs
from labs.models import BloodCount, Transfusion
from labs.windows import cycle_windows
from patients.models import Patient
from visits.services.entry import add_error, field_errors, values_apply
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update, raise_if

LabRecord = BloodCount | Transfusion


def _date_field(record: LabRecord) -> str:
    return "sampled_on" if isinstance(record, BloodCount) else "given_on"


def _window_errors(records: PatientRecords, record: LabRecord) -> Errors:
    """The date lies in the window of the cycle named (labs/windows.py), and the cycle
    exists; also today, the randomization and the death bound it (visits.state)."""
    name = _date_field(record)
    day = getattr(record, name)
    errors = date_errors(records, {name: day})
    windows = cycle_windows(records.cycles)
    window = windows.get(record.cycle_number)
    if window is None:
        recorded = ", ".join(str(n) for n in sorted(windows)) or _("none yet")
        add_error(
            errors,
            "cycle_number",
            _(
                "Cycle %(number)s is not recorded for this patient (cycles recorded: "
                "%(recorded)s). Record the cycle first."
            )
            % {"number": record.cycle_number, "recorded": recorded},
        )
    elif not window.holds(day):
        add_error(
            errors,
            name,
            _(
                "%(day)s is outside cycle %(number)s's window (%(opens)s to %(closes)s): from "
                "the cycle's start to the day before the next cycle starts (the last cycle: to "
                "its day 60)."
            )
            % {
                "day": f"{day:%d/%m/%Y}",
                "number": window.number,
                "opens": f"{window.opens_on:%d/%m/%Y}",
                "closes": f"{window.closes_on:%d/%m/%Y}",
            },
        )
    return errors


# Whether another count of the patient is dated the count's day (one sample a day is kept).
TwinCheck = Callable[[PatientRecords, BloodCount], bool]


def _stored_twin(records: PatientRecords, count: BloodCount) -> bool:
    return (
        BloodCount.objects.filter(patient=records.patient, sampled_on=count.sampled_on)
        .exclude(pk=count.pk)
        .exists()
    )


def _one_count_a_day_errors(
    records: PatientRecords, count: BloodCount, *, twin: TwinCheck = _stored_twin
) -> Errors:
    if not twin(records, count):
        return {}
    return {
        "sampled_on": [
            _(
                "Counts of %(day)s are already recorded: correct that record (one sample a "
                "day is kept, the one closest to 8 a.m.)."
            )
            % {"day": f"{count.sampled_on:%d/%m/%Y}"}
        ]
    }


def _validated(
    records: PatientRecords,
    record: LabRecord,
    values: Mapping[str, Any],
    form: Form,
    *,
    twin: TwinCheck = _stored_twin,
) -> None:
    """Apply the values and refuse them (nothing saved) if a field or a rule says no; then
    link the record to its cycle."""
    values_apply(record, values, allowed=form.entered_fields)
    errors = field_errors(record, form=form, exclude=("patient", "created_by", "cycle"))
    if not errors:
        errors = _window_errors(records, record)
        if isinstance(record, BloodCount) and not errors:
            errors = _one_count_a_day_errors(records, record, twin=twin)
    raise_if(errors)
    record.cycle = next(c for c in records.cycles if c.number == record.cycle_number)


@transaction.atomic
def blood_count_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> BloodCount:
    """Record one sample's blood counts."""
    records = patient_records_for_update(patient, user)
    count = BloodCount(patient=records.patient, created_by=user)
    _validated(records, count, values, crfs.BLOOD_COUNT)
    return record_create(count, user=user)


@transaction.atomic
def blood_count_update(
    *, count: BloodCount, user: User, values: Mapping[str, Any], version: int | None, reason: str
) -> BloodCount:
    """Correct a sample's counts (reason for change and the version read required)."""
    records = patient_records_for_update(count.patient, user)
    count = BloodCount.objects.get(pk=count.pk)
    _validated(records, count, values, crfs.BLOOD_COUNT)
    return record_update(
        count, fields=[*values, "cycle"], expected_version=version, user=user, reason=reason
    )


@transaction.atomic
def transfusion_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> Transfusion:
    """Record a transfusion of red cells or platelets."""
    records = patient_records_for_update(patient, user)
    transfusion = Transfusion(patient=records.patient, created_by=user)
    _validated(records, transfusion, values, crfs.TRANSFUSION)
    return record_create(transfusion, user=user)


@transaction.atomic
def transfusion_update(
    *,
    transfusion: Transfusion,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Transfusion:
    """Correct a transfusion (reason for change and the version read required)."""
    records = patient_records_for_update(transfusion.patient, user)
    transfusion = Transfusion.objects.get(pk=transfusion.pk)
    _validated(records, transfusion, values, crfs.TRANSFUSION)
    return record_update(
        transfusion, fields=[*values, "cycle"], expected_version=version, user=user, reason=reason
    )


@dataclass(frozen=True)
class LabEntry:
    """One entry of a batch: a blood count (`transfusion` False) or a transfusion."""

    values: Mapping[str, Any]
    transfusion: bool = False


@transaction.atomic
def lab_entries_record(
    *, patient: Patient, user: User, entries: Sequence[LabEntry], until_refused: bool = False
) -> list[LabRecord]:
    """Record many counts and transfusions of one patient at once, in the order given.

    Why: loading demo data (demo/labs.py) enters about twenty of them per patient, and
    `blood_count_record` locks the patient and reads all their records again for each one.
    Here the patient is locked and read once; every entry passes the same checks as the
    one-at-a-time services (`_validated`: fields, cycle window, dates, one count a day,
    against the stored counts and the entries before it), then all are written in two
    INSERTs under the same audit context, each row with its audit event as `record_create`
    writes it. A refusal saves nothing (ValidationError) unless `until_refused`: then the
    entries before the first refusal are saved and the rest are dropped (the demo's counts
    stop at the patient's death).
    """
    records = patient_records_for_update(patient, user)
    taken = set(
        BloodCount.objects.filter(patient=records.patient).values_list("sampled_on", flat=True)
    )

    def twin(_records: PatientRecords, count: BloodCount) -> bool:
        return count.sampled_on in taken

    counts: list[BloodCount] = []
    transfusions: list[Transfusion] = []
    accepted: list[LabRecord] = []
    for entry in entries:
        record: LabRecord
        if entry.transfusion:
            record = Transfusion(patient=records.patient, created_by=user)
            form = crfs.TRANSFUSION
        else:
            record = BloodCount(patient=records.patient, created_by=user)
            form = crfs.BLOOD_COUNT
        try:
            _validated(records, record, entry.values, form, twin=twin)
        except ValidationError:
            if not until_refused:
                raise
            break
        if isinstance(record, BloodCount):
            taken.add(record.sampled_on)
            counts.append(record)
        else:
            transfusions.append(record)
        accepted.append(record)
    records_create(counts, user=user)
    records_create(transfusions, user=user)
    return accepted
