"""Biology specimens: one at screening (the disease at entry, whence the ELN risk), and one
per re-testing at an on-study relapse.

The rules held here: at most one screening specimen, collected on or before the
randomization; a relapse specimen only after the randomization and after a relapse or a
progression recorded in the casebook (a response assessment or a follow-up visit saying
so), never after death; the structured abnormalities agree with the karyotype's result; a
VAF or a FLT3-ITD allelic ratio only for a mutation detected. A t(15;17) is recorded (it is
what the laboratory found) with the warning that APL is excluded from the trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from biology import crfs
from biology.eln import Abnormality
from biology.models import KaryotypeResult, Specimen, SpecimenTimepoint
from patients.models import Patient
from visits.models import FollowUpVisit
from visits.services.entry import Saved, add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, patient_records_for_update

APL_WARNING = (
    "t(15;17) is acute promyelocytic leukaemia, which the trial excludes: the patient's "
    "eligibility must be reviewed. The ELN risk is not assessable (APL is in neither table)."
)
_RELAPSE_RESPONSES = (protocol.ResponseCategory.RELAPSE, protocol.ResponseCategory.PROGRESSION)
_RELAPSE_AT_FOLLOW_UP = (
    protocol.FollowUpDiseaseStatus.RELAPSE,
    protocol.FollowUpDiseaseStatus.PROGRESSION,
)


def _relapse_recorded_on_or_before(records: PatientRecords, specimen: Specimen) -> bool:
    on = specimen.collected_on
    if any(r.category in _RELAPSE_RESPONSES and r.assessed_on <= on for r in records.responses):
        return True
    return FollowUpVisit.objects.filter(
        patient=records.patient,
        disease_status__in=_RELAPSE_AT_FOLLOW_UP,
        performed_on__lte=on,
    ).exists()


def _timepoint_errors(records: PatientRecords, specimen: Specimen, errors: Errors) -> None:
    on = specimen.collected_on
    if specimen.timepoint == SpecimenTimepoint.SCREENING:
        others = Specimen.objects.filter(patient=records.patient, timepoint=specimen.timepoint)
        if others.exclude(pk=specimen.pk).exists():
            add_error(
                errors,
                "timepoint",
                _(
                    "A screening specimen is already recorded: correct it, or record this one "
                    "as an on-study relapse."
                ),
            )
        if on and on > records.randomized_on:
            add_error(
                errors,
                "collected_on",
                _(
                    "A screening specimen is collected on or before the randomization "
                    "(%(randomized)s); after it, record an on-study relapse."
                )
                % {"randomized": f"{records.randomized_on:%d/%m/%Y}"},
            )
        if on and on > timezone.localdate():
            add_error(
                errors,
                "collected_on",
                _("%(day)s is in the future.") % {"day": f"{on:%d/%m/%Y}"},
            )
        return
    for name, messages in date_errors(records, {"collected_on": on}).items():
        for message in messages:
            add_error(errors, name, message)
    if on and on >= records.randomized_on and not _relapse_recorded_on_or_before(records, specimen):
        add_error(
            errors,
            "timepoint",
            _(
                "No relapse or progression is recorded on or before %(day)s (response "
                "assessment or follow-up visit): record it first, then the re-testing."
            )
            % {"day": f"{on:%d/%m/%Y}"},
        )


def _karyotype_errors(specimen: Specimen, errors: Errors) -> None:
    flagged = [a for a in Abnormality if getattr(specimen, a.value)]
    if specimen.karyotype != KaryotypeResult.ABNORMAL:
        for abnormality in flagged:
            add_error(
                errors,
                abnormality.value,
                _("Only in an abnormal karyotype (this one is %(result)s).")
                % {"result": specimen.get_karyotype_display().lower()},
            )
    elif not specimen.karyotype_iscn.strip():
        add_error(errors, "karyotype_iscn", _("Give the abnormal karyotype as ISCN writes it."))
    if specimen.karyotype == KaryotypeResult.FAILED and specimen.karyotype_iscn.strip():
        add_error(errors, "karyotype_iscn", _("A failed karyotype has no ISCN formula."))


def _mutation_errors(specimen: Specimen, errors: Errors) -> None:
    detected = protocol.MutationResult.DETECTED
    for gene in crfs.GENES:
        if gene in crfs.GENES_WITHOUT_VAF:
            continue
        if getattr(specimen, f"{gene}_vaf") is not None and getattr(specimen, gene) != detected:
            add_error(errors, f"{gene}_vaf", _("A VAF only for a mutation detected."))
    if specimen.flt3_itd_allelic_ratio is not None and specimen.flt3_itd != detected:
        add_error(
            errors, "flt3_itd_allelic_ratio", _("An allelic ratio only for a FLT3-ITD detected.")
        )


def _specimen_errors(records: PatientRecords, specimen: Specimen) -> Errors:
    errors: Errors = {}
    _timepoint_errors(records, specimen, errors)
    _karyotype_errors(specimen, errors)
    _mutation_errors(specimen, errors)
    return errors


def _warnings(specimen: Specimen) -> tuple[str, ...]:
    return (APL_WARNING,) if specimen.t_15_17 else ()


@transaction.atomic
def specimen_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> Saved[Specimen]:
    """Record a specimen's karyotype and mutations (screening, or re-testing at relapse)."""
    records = patient_records_for_update(patient, user)
    specimen = Specimen(patient=records.patient, created_by=user)
    entry_validate(specimen, values, form=crfs.SPECIMEN, records=records, check=_specimen_errors)
    record_create(specimen, user=user)
    return Saved(specimen, _warnings(specimen))


@transaction.atomic
def specimen_update(
    *,
    specimen: Specimen,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> Saved[Specimen]:
    """Correct a specimen; every rule is checked again on the corrected values."""
    records = patient_records_for_update(specimen.patient, user)
    specimen = Specimen.objects.get(pk=specimen.pk)  # as stored, under the patient's lock
    entry_validate(specimen, values, form=crfs.SPECIMEN, records=records, check=_specimen_errors)
    record_update(
        specimen, fields=values.keys(), expected_version=version, user=user, reason=reason
    )
    return Saved(specimen, _warnings(specimen))
