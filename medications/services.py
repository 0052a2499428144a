"""Writes of concomitant medications, and the corticosteroid rules of the protocol.

The rules (PROTOCOL.md: dexamethasone is the DEX arm's treatment; the control arm receives
salvage therapy alone):
- the drug is a listed one (its ATC code and category follow) or "Other" with its name typed
  (ATC unknown); a listed drug keeps its own category;
- it stops on or after the day it started, and is either ongoing or has a stop date; no date
  in the future, none after the patient's death; a start before randomization is allowed (a
  medication the patient was already taking);
- **corticosteroid outside the protocol**: a corticosteroid by a systemic route (oral, IV,
  SC, IM) for an indication other than those the protocol allows (antiemetic premedication,
  a transfusion reaction), taken during protocol treatment (on a day from randomization to
  the end of treatment, or to today while treatment goes on):
  - for a CONTROL-arm patient, when it is dexamethasone: a major protocol deviation
    (dexamethasone given in the control arm), opened once, kept up to date by a correction,
    marked corrected when a correction removes its cause, reopened if it comes back;
  - in EITHER arm, whatever the corticosteroid: flagged for the data manager's review (a
    query, review/checks.py). In the DEX arm it is a second corticosteroid beside the arm's
    dexamethasone; raised in both arms, the query itself does not tell the arm.
  Other systemic corticosteroids in a control-arm patient are not a deviation (the trial's
  question is dexamethasone), but are reviewed by that query.
Blinding: the trial is open label for the sites (PROTOCOL.md; randomization/blinding.py), the
coordinator who enters the medication sees the patient's arm, so the warnings she is given
may name it. Lists read by blinded roles show the deviation masked (visits/serializers.py)
and a query worded without the arm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

import protocol
from accounts.models import User
from audit.records import (
    INITIAL_ENTRY,
    reason_for_change,
    record_create,
    record_update,
    records_create,
)
from medications import crfs, drugs
from medications.models import ConcomitantMedication
from patients.models import Patient
from visits.models import ProtocolDeviation
from visits.services.entry import Saved, add_error, entry_validate
from visits.state import Errors, PatientRecords, patient_records_for_update

DEVIATION_KIND = ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL


def _on(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


# --- What a medication is ------------------------------------------------------------


def corticosteroid_outside_protocol(medication: ConcomitantMedication) -> bool:
    """A corticosteroid by a systemic route, for an indication the protocol does not allow."""
    return (
        medication.category == drugs.Category.CORTICOSTEROID
        and medication.route in drugs.SYSTEMIC_ROUTES
        and medication.indication not in drugs.CORTICOSTEROID_ALLOWED_INDICATIONS
    )


def on_treatment(
    medication: ConcomitantMedication,
    *,
    randomized_on: dt.date,
    treatment_ended_on: dt.date | None,
    today: dt.date,
) -> bool:
    """Whether the medication was taken on a day of protocol treatment: from the
    randomization to the end of treatment (to today while treatment goes on)."""
    last_day = medication.stopped_on or today
    treatment_last_day = treatment_ended_on or today
    return medication.started_on <= treatment_last_day and last_day >= randomized_on


def _treatment_ended_on(records: PatientRecords) -> dt.date | None:
    return records.end_of_treatment.ended_on if records.end_of_treatment else None


def _outside_protocol_on_treatment(
    records: PatientRecords, medication: ConcomitantMedication
) -> bool:
    return corticosteroid_outside_protocol(medication) and on_treatment(
        medication,
        randomized_on=records.randomized_on,
        treatment_ended_on=_treatment_ended_on(records),
        today=timezone.localdate(),
    )


def dexamethasone_in_control(records: PatientRecords, medication: ConcomitantMedication) -> bool:
    """The deviation's rule: a control-arm patient's dexamethasone outside the protocol."""
    return (
        records.randomization.arm != protocol.DEXAMETHASONE_ARM
        and medication.drug == drugs.DEXAMETHASONE
        and _outside_protocol_on_treatment(records, medication)
    )


def _description(medication: ConcomitantMedication) -> str:
    """The deviation's description, stored: in English whoever records the medication."""
    with override("en"):
        return _english_description(medication)


def _english_description(medication: ConcomitantMedication) -> str:
    stop = f" to {_on(medication.stopped_on)}" if medication.stopped_on else ", ongoing"
    return (
        f"Concomitant dexamethasone ({medication.get_route_display().lower()}, from "
        f"{_on(medication.started_on)}{stop}; indication: "
        f"{medication.get_indication_display().lower()}) during protocol treatment: the "
        "control arm receives no dexamethasone."
    )[:300]


# --- Edit checks ---------------------------------------------------------------------


def _medication_errors(records: PatientRecords, medication: ConcomitantMedication) -> Errors:
    errors: Errors = {}
    listed = drugs.DRUGS_BY_CODE.get(medication.drug)
    if medication.drug == drugs.OTHER_DRUG and not medication.drug_other.strip():
        add_error(errors, "drug_other", _("Name the drug (its INN)."))
    if listed and medication.drug_other:
        add_error(errors, "drug_other", _("Only for a drug not in the list ('Other')."))
    if listed and medication.category != listed.category:
        add_error(
            errors,
            "category",
            _("%(drug)s (%(atc)s) is coded as '%(category)s'.")
            % {
                "drug": listed.name,
                "atc": listed.atc,
                "category": drugs.Category(listed.category).label,
            },
        )
    if medication.dose is not None and not medication.dose_unit:
        add_error(errors, "dose_unit", _("Give the dose's unit."))
    if medication.dose_unit and medication.dose is None:
        add_error(errors, "dose", _("Give the dose, or no unit."))
    if medication.indication == drugs.Indication.OTHER and not medication.indication_detail.strip():
        add_error(errors, "indication_detail", _("Describe the indication."))
    _date_errors(records, medication, errors)
    return errors


def _date_errors(
    records: PatientRecords, medication: ConcomitantMedication, errors: Errors
) -> None:
    """Stop on or after the start; ongoing or stopped; nothing in the future or after death.
    A start before randomization is allowed: a medication the patient was already taking."""
    today, death_on = timezone.localdate(), records.death_on
    for name in ("started_on", "stopped_on"):
        day = getattr(medication, name)
        if day and day > today:
            add_error(
                errors,
                name,
                _("%(day)s is in the future (today is %(today)s).")
                % {"day": _on(day), "today": _on(today)},
            )
        if day and death_on and day > death_on:
            add_error(
                errors,
                name,
                _("%(day)s is after the patient's death on %(death)s.")
                % {"day": _on(day), "death": _on(death_on)},
            )
    started, stopped = medication.started_on, medication.stopped_on
    if started and stopped and stopped < started:
        add_error(
            errors,
            "stopped_on",
            _("Cannot precede the start (%(start)s).") % {"start": _on(started)},
        )
    if medication.ongoing and stopped:
        add_error(errors, "stopped_on", _("An ongoing medication has no stop date yet."))
    if not medication.ongoing and stopped is None:
        add_error(errors, "stopped_on", _("Give the stop date, or mark the medication ongoing."))
    if medication.ongoing and death_on:
        add_error(
            errors,
            "ongoing",
            _("The patient died on %(death)s: give the stop date.") % {"death": _on(death_on)},
        )


def _atc_set(medication: ConcomitantMedication) -> None:
    listed = drugs.DRUGS_BY_CODE.get(medication.drug)
    medication.atc_code = listed.atc if listed else ""


# --- The corticosteroid rule ---------------------------------------------------------


def _deviation_keep(
    records: PatientRecords, medication: ConcomitantMedication, *, user: User, reason: str
) -> bool:
    """Open, update, reopen or mark corrected the medication's deviation (before the
    medication is saved, in its transaction). Return whether it holds now.

    Written with the medication's author and reason in the audit trail: a caller outside a
    request (a command, a task, the demo) sets no context, and the deviation would otherwise
    be recorded unattributed (the nightly chain verification's alert).
    """
    with pghistory.context(user=user.pk, reason=reason):
        return _deviation_write(records, medication)


def _deviation_write(records: PatientRecords, medication: ConcomitantMedication) -> bool:
    found = dexamethasone_in_control(records, medication)
    existing = medication.deviation
    if found and existing is None:
        medication.deviation = ProtocolDeviation.objects.create(
            patient=records.patient,
            kind=DEVIATION_KIND,
            severity=DEVIATION_KIND.severity,
            description=_description(medication),
        )
    elif found and existing is not None:
        existing.corrected_at = None
        existing.description = _description(medication)
        existing.save(update_fields=["corrected_at", "description", "updated_at"])
    elif existing is not None and existing.corrected_at is None:
        existing.corrected_at = timezone.now()
        existing.save(update_fields=["corrected_at", "updated_at"])
    return found


def _warnings(
    records: PatientRecords, medication: ConcomitantMedication, *, deviation: bool
) -> tuple[str, ...]:
    """What the coordinator is told at once (she sees her patient's arm: open label)."""
    if deviation:
        return (
            _(
                "This patient is in the control arm: dexamethasone outside the protocol's "
                "indications (antiemetic premedication, transfusion reaction) is recorded as a "
                "major protocol deviation. Check the drug, route, dates and indication."
            ),
        )
    if not _outside_protocol_on_treatment(records, medication):
        return ()
    if records.randomization.arm == protocol.DEXAMETHASONE_ARM:
        return (
            _(
                "Second corticosteroid: this patient receives dexamethasone with each cycle; "
                "%(drug)s is flagged for the data manager's review."
            )
            % {"drug": medication.drug_name},
        )
    return (
        _(
            "%(drug)s, a systemic corticosteroid during protocol treatment, is flagged for "
            "the data manager's review."
        )
        % {"drug": medication.drug_name},
    )


# --- Services ------------------------------------------------------------------------


@transaction.atomic
def concomitant_medication_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> Saved[ConcomitantMedication]:
    """Record a concomitant medication; a control-arm patient's dexamethasone outside the
    protocol opens a deviation."""
    records = patient_records_for_update(patient, user)
    medication = ConcomitantMedication(patient=records.patient, created_by=user)
    entry_validate(
        medication,
        values,
        form=crfs.CONCOMITANT_MEDICATION,
        records=records,
        check=_medication_errors,
    )
    _atc_set(medication)
    deviation = _deviation_keep(records, medication, user=user, reason=INITIAL_ENTRY)
    record_create(medication, user=user)
    return Saved(medication, _warnings(records, medication, deviation=deviation))


@transaction.atomic
def concomitant_medications_record(
    *,
    patient: Patient,
    user: User,
    entries: Sequence[Mapping[str, Any]],
    skip_refused: bool = False,
) -> list[Saved[ConcomitantMedication]]:
    """Record several concomitant medications of one patient at once.

    Why: loading demo data (demo/medications.py) enters a few per patient, and
    `concomitant_medication_record` locks the patient and reads their records again for
    each. Here they are read once; each entry passes the same checks and the same
    corticosteroid rule as one recorded alone (`entry_validate`, `_medication_errors`,
    `_deviation_keep`), then all are written in one INSERT with the audit event
    `record_create` gives each. A refusal saves nothing, unless `skip_refused`: the refused
    entry is then left out and the others are saved.
    """
    records = patient_records_for_update(patient, user)
    saved: list[Saved[ConcomitantMedication]] = []
    for values in entries:
        medication = ConcomitantMedication(patient=records.patient, created_by=user)
        try:
            entry_validate(
                medication,
                values,
                form=crfs.CONCOMITANT_MEDICATION,
                records=records,
                check=_medication_errors,
            )
        except ValidationError:
            if not skip_refused:
                raise
            continue
        _atc_set(medication)
        deviation = _deviation_keep(records, medication, user=user, reason=INITIAL_ENTRY)
        saved.append(Saved(medication, _warnings(records, medication, deviation=deviation)))
    records_create([s.record for s in saved], user=user)
    return saved


@transaction.atomic
def concomitant_medication_update(
    *,
    medication: ConcomitantMedication,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Saved[ConcomitantMedication]:
    """Correct a medication (reason and version); its deviation follows the correction,
    written with the correction's author and reason."""
    reason = reason_for_change(reason)
    records = patient_records_for_update(medication.patient, user)
    medication = ConcomitantMedication.objects.select_related("deviation").get(pk=medication.pk)
    had_deviation = medication.deviation_id
    entry_validate(
        medication,
        values,
        form=crfs.CONCOMITANT_MEDICATION,
        records=records,
        check=_medication_errors,
    )
    _atc_set(medication)
    deviation = _deviation_keep(records, medication, user=user, reason=reason)
    fields = [*values.keys(), "atc_code"]
    if medication.deviation_id != had_deviation:
        fields.append("deviation")
    record_update(medication, fields=fields, expected_version=version, user=user, reason=reason)
    return Saved(medication, _warnings(records, medication, deviation=deviation))
