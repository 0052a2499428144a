"""A randomized patient's records, gathered once, for the edit checks that compare them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from accounts.permissions import user_can_enter_data_at
from locks.services import ensure_unlocked
from patients.models import Patient
from randomization.models import Randomization
from visits.models import (
    EndOfTreatment,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

Errors = dict[str, list[str]]
# The records a patient has at most one of (reverse one-to-one relations of Patient).
_ONE_TO_ONE = ("randomization", "transplant", "end_of_treatment", "off_study")


def day_text(day: dt.date) -> str:
    """A date as the messages write it, dd/mm/yyyy (a placeholder's value, in any language)."""
    return f"{day:%d/%m/%Y}"


@dataclass
class PatientRecords:
    patient: Patient
    randomization: Randomization
    cycles: list[TreatmentCycle] = field(default_factory=list)
    responses: list[ResponseAssessment] = field(default_factory=list)
    transplant: Transplant | None = None
    end_of_treatment: EndOfTreatment | None = None
    off_study: OffStudy | None = None

    @property
    def randomized_on(self) -> dt.date:
        return timezone.localtime(self.randomization.randomized_at).date()

    @property
    def plan(self) -> protocol.RegimenPlan:
        return protocol.REGIMEN_PLANS[self.randomization.regimen]

    def cycle_given_on(self, day: dt.date) -> TreatmentCycle | None:
        """Return the cycle whose salvage therapy was being given that day (from its start
        to its end, both recorded), if any."""
        return next((c for c in self.cycles if c.given_on(day)), None)

    @property
    def death_on(self) -> dt.date | None:
        if self.off_study and self.off_study.reason == protocol.OffStudyReason.DEATH:
            return self.off_study.event_on
        return None


# The patients this transaction holds locked for a run of writes by one account
# (patient_records_held): patient pk -> the account's pk.
_HELD: ContextVar[dict[int, int] | None] = ContextVar("patient_records_held", default=None)


def patient_records_for_update(patient: Patient, user: User) -> PatientRecords:
    """Lock the patient and return their records; refuse a user or patient that cannot edit.

    The patient row lock makes one patient's writes happen one after another, so cycle
    numbers stay gapless and the checks below compare against what is really stored.
    Inside `patient_records_held` for this patient and account, the permission, the row lock
    and the data lock were checked at its start and hold still: the records are read again.
    """
    held = _HELD.get()
    if held is not None and held.get(patient.pk) == user.pk:
        row = Patient.objects.select_related("site", "screening", *_ONE_TO_ONE).get(pk=patient.pk)
        return _records_of(row, row)
    if not user_can_enter_data_at(user, patient.site):
        raise PermissionDenied(
            _("%(user)s may not enter data at site %(site)s.")
            % {"user": user, "site": patient.site.code}
        )
    return patient_records_locked(patient)


@contextmanager
def patient_records_held(patient: Patient, user: User) -> Iterator[None]:
    """Check the account's permission, lock the patient and check the data lock once, for
    a run of writes of this patient by this account in the current transaction.

    Why: every writing service asks all three again, and loading demo data (demo/course.py)
    makes a dozen writes in a row per patient. The row lock is held until the transaction
    ends, and a data lock takes that row lock first (locks.services.data_lock), so no lock
    can come in between; each service still reads the records again and runs its checks.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("patient_records_held needs a transaction: the row lock ends with it.")
    patient_records_for_update(patient, user)
    token = _HELD.set({**(_HELD.get() or {}), patient.pk: user.pk})
    try:
        yield
    finally:
        _HELD.reset(token)


def patient_records_locked(patient: Patient) -> PatientRecords:
    """Lock the patient and return their records, refusing locked data; no user's permission
    is asked: for the system's own writes (the end-of-study close-out), never a person's."""
    patient = (
        Patient.objects.select_for_update(of=("self",))
        .select_related("site", "screening")
        .get(pk=patient.pk)
    )
    ensure_unlocked(patient)
    # Read after the lock, in a statement of its own (so it sees what committed before the
    # lock was granted): the patient's one-to-one records in one query, not one each.
    return _records_of(patient, Patient.objects.select_related(*_ONE_TO_ONE).get(pk=patient.pk))


def _records_of(patient: Patient, row: Patient) -> PatientRecords:
    """The records of `patient`; `row` is the patient read with its one-to-one records."""
    randomization, transplant, end_of_treatment, off_study = (
        getattr(row, name, None) for name in _ONE_TO_ONE
    )
    if randomization is None:
        raise ValidationError(
            {
                "patient": [
                    _(
                        "Patient %(patient)s is not randomized: treatment and follow-up "
                        "are recorded only for randomized patients."
                    )
                    % {"patient": patient}
                ]
            }
        )
    return PatientRecords(
        patient=patient,
        randomization=randomization,
        cycles=list(TreatmentCycle.objects.filter(patient=patient).order_by("number")),
        responses=list(
            ResponseAssessment.objects.filter(patient=patient).order_by("assessed_on", "pk")
        ),
        transplant=transplant,
        end_of_treatment=end_of_treatment,
        off_study=off_study,
    )


def date_errors(
    records: PatientRecords, dates: dict[str, dt.date | None], *, after_death_allowed: bool = False
) -> Errors:
    """Check dates against today, the randomization and the death (PROTOCOL.md edit checks)."""
    errors: Errors = {}
    today = timezone.localdate()
    death_on = records.death_on
    for name, day in dates.items():
        if day is None:
            continue
        if day > today:
            errors.setdefault(name, []).append(
                _("%(day)s is in the future (today is %(today)s).")
                % {"day": day_text(day), "today": day_text(today)}
            )
        if day < records.randomized_on:
            errors.setdefault(name, []).append(
                _("%(day)s is before the randomization on %(randomized_on)s.")
                % {"day": day_text(day), "randomized_on": day_text(records.randomized_on)}
            )
        if death_on and day > death_on and not after_death_allowed:
            errors.setdefault(name, []).append(
                _("%(day)s is after the patient's death on %(death_on)s.")
                % {"day": day_text(day), "death_on": day_text(death_on)}
            )
    return errors


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)
