"""The end-of-study close-out: every patient still followed leaves the study when it ends.

The end of study is 5 years after the trial's first randomization (PROTOCOL.md). From that
day, the daily close-out (Celery beat, `visits.end_of_study_close_out`; also
`manage.py end_of_study_close_out`) records "End of study reached" for every randomized
patient without an off-study record, dated the last day the records show them alive (OS is
censored there, as for any patient who left alive). It writes as the system's own account,
in an audit context naming the task, each patient in a transaction of their own. A patient
whose data are locked is left for the data manager and reported; running it twice closes
nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pghistory
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from audit.records import record_create
from locks.services import DataLocked
from patients.models import Patient
from visits import schedule
from visits.models import OffStudy
from visits.services.follow_up import first_randomization_on, followup_schedule_build
from visits.services.off_study import last_known_alive_on
from visits.state import patient_records_locked

logger = logging.getLogger(__name__)

TASK = "visits.end_of_study_close_out"
# The account the close-out writes as (created_by of its records): no role, no site, no
# password, inactive, so nobody can sign in as it; its name says who wrote.
SYSTEM_USERNAME = "system-end-of-study"
REASON = "End of study reached: closed out by the daily end-of-study task"


@dataclass(frozen=True)
class CloseOut:
    end_of_study_on: dt.date | None
    closed: list[OffStudy] = field(default_factory=list)
    locked: list[Patient] = field(default_factory=list)  # still followed, data locked


def close_out_account() -> User:
    """The system's own account for the close-out's records, made the first time."""
    account, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "first_name": "End-of-study close-out",
            "last_name": "(system)",
            "role": "",
            "is_active": False,
            "password": make_password(None),  # unusable
        },
    )
    return account


def patients_still_followed() -> list[Patient]:
    """Randomized patients with no off-study record (death, withdrawal, loss, end of study)."""
    return list(
        Patient.objects.filter(randomization__isnull=False, off_study__isnull=True)
        .select_related("site")
        .order_by("pk")
    )


@transaction.atomic
def _close_out(patient: Patient, account: User) -> OffStudy | None:
    records = patient_records_locked(patient)  # row lock; refuses locked data
    if records.off_study is not None:  # left the study meanwhile
        return None
    alive_on, _what = last_known_alive_on(records)
    off = OffStudy(
        patient=records.patient,
        reason=protocol.OffStudyReason.END_OF_STUDY,
        event_on=alive_on,
        note="Closed out at the end of study; dated the last day known alive.",
        created_by=account,
    )
    record_create(off, user=account, reason=REASON)
    with pghistory.context(reason=f"Schedule ended: {off.get_reason_display()}"):
        followup_schedule_build(records.patient)
    return off


def end_of_study_close_out(*, today: dt.date | None = None) -> CloseOut:
    """From the end of study on, take every patient still followed off study; before it,
    nothing. Returns what was closed and who was left locked."""
    today = today or timezone.localdate()
    first_on = first_randomization_on()
    if first_on is None:
        return CloseOut(None)
    ends_on = schedule.end_of_study(first_on)
    if today < ends_on:
        return CloseOut(ends_on)
    closed: list[OffStudy] = []
    locked: list[Patient] = []
    with pghistory.context(system=TASK):
        account = close_out_account()
        for patient in patients_still_followed():
            try:
                off = _close_out(patient, account)
            except DataLocked:
                locked.append(patient)
                continue
            if off is not None:
                closed.append(off)
    if locked:
        logger.warning(
            "End of study: %s patient(s) still followed have locked data and were not closed "
            "out: %s",
            len(locked),
            ", ".join(p.study_id for p in locked),
        )
    logger.info("End of study %s: %s patient(s) closed out", ends_on, len(closed))
    return CloseOut(ends_on, closed, locked)
