"""Writes that reach across the layers below: a patient's casebook as a whole.

A screening is corrected in `patients`, but a correction of a randomized patient matters to
the layers above it: consent and screening must precede the randomization, and a patient
found ineligible after randomization is a protocol deviation. This module draws those
consequences, so the page and the API correct a screening the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.records import reason_for_change
from patients.models import Patient
from patients.services import screening_update
from randomization.models import Randomization
from visits.services import deviation_randomized_ineligible_check


@transaction.atomic
def screening_correct(
    *,
    patient: Patient,
    user: User,
    reason: str,
    changes: Mapping[str, Any],
    answers: Mapping[str, bool] | None = None,
    version: int | None,
) -> Patient:
    """Correct a patient's screening and record what the correction means for the trial.

    `version` is the screening's version the page or API client showed: a correction saved
    by someone else since refuses this one (None: no check, for a caller that read nothing).
    """
    randomization = Randomization.objects.filter(patient=patient).first()
    randomized_on = (
        timezone.localtime(randomization.randomized_at).date() if randomization else None
    )
    patient = screening_update(
        patient=patient,
        user=user,
        reason=reason,
        changes=changes,
        answers=answers,
        randomized_on=randomized_on,
        version=version,
    )
    if randomization is not None:
        deviation_randomized_ineligible_check(
            patient=patient, user=user, reason=reason_for_change(reason)
        )
    return patient
