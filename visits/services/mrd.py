"""MRD assessments: many per patient, each with its derived negativity.

The checks held here: a method 'other' names itself; a detected value is at least the
assay's sensitivity (below it, the assay says "negative below the sensitivity"); and a
negative MRD beside morphologically active disease at the matching response assessment
(visits/mrd.py) is refused, naming that assessment. The value's range [0, 1] and the
sensitivity's plausible range are the form's declared ranges (visits/crfs.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from audit.records import record_create, record_update
from casebook.declarations import number_text
from patients.models import Patient
from visits import crfs
from visits.models import MrdAssessment
from visits.mrd import matching_response, mrd_negative
from visits.services.entry import add_error, entry_validate
from visits.state import Errors, PatientRecords, date_errors, day_text, patient_records_for_update


def _mrd_errors(records: PatientRecords, mrd: MrdAssessment) -> Errors:
    errors = date_errors(records, {"assessed_on": mrd.assessed_on})
    if mrd.method == protocol.MrdMethod.OTHER and not mrd.method_other.strip():
        add_error(errors, "method_other", _("Name the method."))
    if mrd.method != protocol.MrdMethod.OTHER and mrd.method_other:
        add_error(errors, "method_other", _("Only for the method 'Other (specify)'."))
    if mrd.result == protocol.MrdResult.VALUE and mrd.value is None:
        add_error(
            errors,
            "value",
            _("Give the value detected, or choose 'negative below the assay's sensitivity'."),
        )
    if mrd.result == protocol.MrdResult.BELOW_SENSITIVITY and mrd.value is not None:
        add_error(errors, "value", _("A result below the assay's sensitivity has no value."))
    if mrd.sensitivity is None:
        add_error(errors, "sensitivity", _("Give the assay's sensitivity."))
    elif mrd.value is not None and mrd.value < mrd.sensitivity:
        add_error(
            errors,
            "value",
            _(
                "%(value)s is below the assay's sensitivity (%(sensitivity)s): record "
                "'negative below the assay's sensitivity', or check the sensitivity."
            )
            % {"value": number_text(mrd.value), "sensitivity": number_text(mrd.sensitivity)},
        )
    if not errors:
        _negative_beside_active_disease(records, mrd, errors)
    return errors


def _negative_beside_active_disease(
    records: PatientRecords, mrd: MrdAssessment, errors: Errors
) -> None:
    """A negative MRD (below 10⁻³ of the cells) cannot sit beside ≥ 5% marrow blasts."""
    if not mrd_negative(
        method=mrd.method, result=mrd.result, value=mrd.value, sensitivity=mrd.sensitivity
    ):
        return
    response = matching_response(records.responses, timepoint=mrd.timepoint, on=mrd.assessed_on)
    if response is None or response.category not in protocol.MORPHOLOGICALLY_ACTIVE_RESPONSES:
        return
    add_error(
        errors,
        "result",
        _(
            "A negative MRD is not possible beside morphologically active disease: the "
            "response assessment of %(assessed_on)s (%(timepoint)s) is '%(category)s'. "
            "Check the MRD result or correct that assessment."
        )
        % {
            "assessed_on": day_text(response.assessed_on),
            "timepoint": response.get_timepoint_display(),
            "category": response.get_category_display(),
        },
    )


def _derive(mrd: MrdAssessment) -> None:
    mrd.negative = mrd_negative(
        method=mrd.method, result=mrd.result, value=mrd.value, sensitivity=mrd.sensitivity
    )


@transaction.atomic
def mrd_record(*, patient: Patient, user: User, values: Mapping[str, Any]) -> MrdAssessment:
    """Record an MRD assessment; its negativity is derived, never typed."""
    records = patient_records_for_update(patient, user)
    mrd = MrdAssessment(patient=records.patient, created_by=user)
    entry_validate(mrd, values, form=crfs.MRD, records=records, check=_mrd_errors)
    _derive(mrd)
    return record_create(mrd, user=user)


@transaction.atomic
def mrd_update(
    *, mrd: MrdAssessment, user: User, values: Mapping[str, Any], version: int | None, reason: str
) -> MrdAssessment:
    """Correct an MRD assessment; its negativity is derived again."""
    records = patient_records_for_update(mrd.patient, user)
    mrd = MrdAssessment.objects.get(pk=mrd.pk)  # as stored, read under the patient's lock
    entry_validate(mrd, values, form=crfs.MRD, records=records, check=_mrd_errors)
    _derive(mrd)
    return record_update(
        mrd,
        fields=[*values.keys(), "negative"],
        expected_version=version,
        user=user,
        reason=reason,
    )
