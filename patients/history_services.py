"""Writes of the prior regimens and the disease history (issue 13 item 4).

Entered at screening, before randomization, and corrected after with a reason and the
version the editor saw, like every record. Each save derives again what the history
record holds of them (patients/history.py): the disease status, the CR1 duration, the
lines of therapy, prior cytarabine exposure. A derived status or count that disagrees with
the screening is not refused: the history is often entered after the screening, whose
status was the randomization's stratum, so the automatic check raises a query
(review/checks.py) and the site says which is right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import user_can_enter_data_at
from audit.records import reason_for_change, record_create, record_update, records_create
from casebook.declarations import Form, number_text
from locks.services import ensure_unlocked
from patients import crfs, history
from patients.models import DiseaseHistory, Patient, PriorRegimen, Screening


def _patient_for_update(patient: Patient, user: User) -> tuple[Patient, Screening]:
    """Check the editor may enter data here; lock the patient's row, so two saves that
    derive the history one after the other each see the other's regimens."""
    if not user_can_enter_data_at(user, patient.site):
        raise PermissionDenied(_("Only a coordinator of this site can enter its data."))
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    ensure_unlocked(patient)
    return patient, Screening.objects.get(patient=patient)


def _apply(record: Model, values: Mapping[str, Any], form: Form) -> history.Errors:
    """Set the form's entered values; return what the fields say against them."""
    unknown = set(values) - set(form.entered_fields)
    if unknown:
        raise ValidationError({name: [_("Not a field of this form.")] for name in sorted(unknown)})
    for name, value in values.items():
        setattr(record, name, value)
    errors: history.Errors = {}
    try:
        record.full_clean(exclude=["patient", "created_by"], validate_constraints=False)
    except ValidationError as exc:
        errors.update({k: list(v) for k, v in exc.message_dict.items()})
    for item in form.items:
        value = getattr(record, item.name)
        if item.name not in errors and not item.admits(value):
            errors[item.name] = [
                _("%(field)s: %(value)s is outside the plausible range of %(range)s.")
                % {
                    "field": form.label(item.name),
                    "value": number_text(value),
                    "range": item.plausible_range,
                }
            ]
    return errors


def _regimen_check(regimen: PriorRegimen, screening: Screening, errors: history.Errors) -> None:
    if not errors:
        errors.update(
            history.regimen_errors(
                regimen=regimen.regimen,
                regimen_other=regimen.regimen_other,
                started_on=regimen.started_on,
                ended_on=regimen.ended_on,
                cytarabine_containing=regimen.cytarabine_containing,
                diagnosis_on=screening.diagnosis_on,
                screened_on=screening.screened_on,
            )
        )
    if errors:
        raise ValidationError(errors)
    regimen.cytarabine_containing = history.cytarabine_of(
        regimen.regimen, regimen.cytarabine_containing
    )


def _history_check(record: DiseaseHistory, screening: Screening, errors: history.Errors) -> None:
    if not errors:
        errors.update(
            history.history_errors(
                first_cr_on=record.first_cr_on,
                first_relapse_on=record.first_relapse_on,
                relapses=record.relapses,
                prior_hsct_on=record.prior_hsct_on,
                diagnosis_on=screening.diagnosis_on,
                screened_on=screening.screened_on,
            )
        )
    if errors:
        raise ValidationError(errors)


def _derived(record: DiseaseHistory, screening: Screening) -> dict[str, Any]:
    regimens = [
        history.RegimenEntry(r.regimen, r.cytarabine_containing, r.best_response)
        for r in PriorRegimen.objects.filter(patient_id=record.patient_id)
    ]
    return history.history_derived(
        first_cr_on=record.first_cr_on,
        first_relapse_on=record.first_relapse_on,
        relapses=record.relapses,
        prior_hsct_on=record.prior_hsct_on,
        relapse_documented_on=screening.disease_status_on,
        regimens=regimens,
    ).as_fields()


def disease_history_derive(*, patient: Patient, user: User, reason: str) -> None:
    """Derive the history's values again after a regimen or the screening changed.

    Not a correction of what anyone typed: no version bump (an editor of the history is
    not refused for it), but audited with the change that caused it.
    """
    record = DiseaseHistory.objects.filter(patient=patient).first()
    if record is None:
        return
    derived = _derived(record, Screening.objects.get(patient=patient))
    if all(getattr(record, name) == value for name, value in derived.items()):
        return
    with pghistory.context(user=user.pk, reason=reason):
        DiseaseHistory.objects.filter(pk=record.pk).update(**derived)


@transaction.atomic
def prior_regimen_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> PriorRegimen:
    """Record a regimen the patient received before the study."""
    patient, screening = _patient_for_update(patient, user)
    regimen = PriorRegimen(patient=patient, created_by=user)
    _regimen_check(regimen, screening, _apply(regimen, values, crfs.PRIOR_REGIMEN))
    record_create(regimen, user=user)
    disease_history_derive(patient=patient, user=user, reason="Prior regimen recorded")
    return regimen


@transaction.atomic
def prior_regimen_update(
    *,
    regimen: PriorRegimen,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> PriorRegimen:
    """Correct a prior regimen: reason for change required, refused if someone saved since."""
    reason = reason_for_change(reason)
    patient, screening = _patient_for_update(regimen.patient, user)
    regimen = PriorRegimen.objects.get(pk=regimen.pk, patient=patient)
    if "regimen" in values and "cytarabine_containing" not in values:
        regimen.cytarabine_containing = None  # derived again from the corrected regimen
    _regimen_check(regimen, screening, _apply(regimen, values, crfs.PRIOR_REGIMEN))
    fields = sorted({*values, "cytarabine_containing"})
    regimen = record_update(
        regimen, fields=fields, expected_version=version, user=user, reason=reason
    )
    disease_history_derive(patient=patient, user=user, reason=reason)
    return regimen


@transaction.atomic
def disease_history_record(
    *, patient: Patient, user: User, values: Mapping[str, Any]
) -> DiseaseHistory:
    """Record the disease's course before the study (one per patient)."""
    patient, screening = _patient_for_update(patient, user)
    if DiseaseHistory.objects.filter(patient=patient).exists():
        raise ValidationError(
            {"__all__": [_("The disease history is recorded already: correct it instead.")]}
        )
    record = DiseaseHistory(patient=patient, created_by=user)
    _history_check(record, screening, _apply(record, values, crfs.DISEASE_HISTORY))
    for name, value in _derived(record, screening).items():
        setattr(record, name, value)
    return record_create(record, user=user)


@transaction.atomic
def prior_therapy_record(
    *,
    patient: Patient,
    user: User,
    regimens: Sequence[Mapping[str, Any]],
    history_values: Mapping[str, Any],
) -> DiseaseHistory:
    """Record a patient's prior regimens and then the disease history, in one go.

    Why: loading demo data (demo/disease_history.py) enters them for every patient, and the
    one-at-a-time services lock the patient and read the screening again for each. The same
    checks run (`_regimen_check`, `_history_check`), the regimens are written in one INSERT
    with each row's audit event, and the history derives its values from them as
    `disease_history_record` does after `prior_regimen_record` for each (which derive
    nothing while no history exists). Any refusal saves nothing.
    """
    patient, screening = _patient_for_update(patient, user)
    if DiseaseHistory.objects.filter(patient=patient).exists():
        raise ValidationError(
            {"__all__": [_("The disease history is recorded already: correct it instead.")]}
        )
    checked = []
    for values in regimens:
        regimen = PriorRegimen(patient=patient, created_by=user)
        _regimen_check(regimen, screening, _apply(regimen, values, crfs.PRIOR_REGIMEN))
        checked.append(regimen)
    record = DiseaseHistory(patient=patient, created_by=user)
    _history_check(record, screening, _apply(record, history_values, crfs.DISEASE_HISTORY))
    records_create(checked, user=user)
    for name, value in _derived(record, screening).items():
        setattr(record, name, value)
    return record_create(record, user=user)


@transaction.atomic
def disease_history_update(
    *,
    history_record: DiseaseHistory,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
    reason: str,
) -> DiseaseHistory:
    """Correct the disease history: reason for change required, refused if someone saved
    since; what it derives is derived again."""
    reason = reason_for_change(reason)
    patient, screening = _patient_for_update(history_record.patient, user)
    record = DiseaseHistory.objects.get(pk=history_record.pk, patient=patient)
    _history_check(record, screening, _apply(record, values, crfs.DISEASE_HISTORY))
    derived = _derived(record, screening)
    for name, value in derived.items():
        setattr(record, name, value)
    return record_update(
        record,
        fields=sorted({*values, *derived}),
        expected_version=version,
        user=user,
        reason=reason,
    )
