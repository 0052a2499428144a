"""The lock check every writing service makes first, and the data manager's lock and unlock.

Besides a patient or a site, the data manager locks the whole trial at its end: the final
analysis is run on the locked data, and every entry is refused until an audited unlock.
"""

from __future__ import annotations

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import Site, User
from accounts.permissions import user_can_lock_data
from audit.records import reason_for_change
from locks.models import DataLock
from locks.selectors import (
    PatientAtSite,
    active_lock,
    active_site_lock,
    active_trial_lock,
    patients,
)
from refusals import Refused


class DataLocked(Refused):
    """The patient's data are frozen for an analysis; only an audited unlock opens them."""

    def __init__(self, lock: DataLock):
        facts = {
            "since": f"{timezone.localtime(lock.locked_at):%d/%m/%Y}",
            "reason": lock.reason,
        }
        if lock.trial:
            message = _(
                "The data of the whole trial %(trial)s are locked since %(since)s (%(reason)s): "
                "nothing can change until a data manager unlocks them, with a reason."
            ) % {"trial": lock.trial, **facts}
        elif lock.site_id:
            message = _(
                "The data of site %(site)s are locked since %(since)s (%(reason)s): "
                "nothing can change until a data manager unlocks them, with a reason."
            ) % {"site": lock.site, **facts}
        else:
            message = _(
                "The data of patient %(patient)s are locked since %(since)s (%(reason)s): "
                "nothing can change until a data manager unlocks them, with a reason."
            ) % {"patient": lock.patient, **facts}
        super().__init__({"__all__": [message]})


def ensure_site_unlocked(site: Site) -> None:
    """Refuse new patients at a site whose data are locked."""
    lock = active_site_lock(site)
    if lock is not None:
        raise DataLocked(lock)


def ensure_unlocked(patient: PatientAtSite) -> None:
    """Refuse any change to a locked patient's data (called by every writing service)."""
    lock = active_lock(patient)
    if lock is not None:
        raise DataLocked(lock)


def _require_data_manager(user: User) -> None:
    if not user_can_lock_data(user):
        raise PermissionDenied(_("Your role may not do this."))


@transaction.atomic
def data_lock(
    *,
    user: User,
    reason: str,
    patient: PatientAtSite | None = None,
    site: Site | None = None,
    whole_trial: bool = False,
) -> DataLock:
    """Freeze a patient's casebook, a whole site or the whole trial before an analysis."""
    _require_data_manager(user)
    reason = reason_for_change(reason, missing=_("Say why the data are locked (e.g. the cut-off)."))
    if whole_trial:
        return _trial_lock(user=user, reason=reason, patient=patient, site=site)
    if (patient is None) == (site is None):
        raise ValidationError({"__all__": [_("Lock a patient or a site.")]})
    # Take the row locks that every writing service takes first, so a write already past
    # its lock check finishes before the lock, and none starts after it unnoticed.
    if patient is not None:
        patients().select_for_update().filter(pk=patient.pk).first()
    elif site is not None:
        # The site row is what a new screening locks first: none slips in after the lock.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        list(patients().select_for_update().filter(site=site).values_list("pk"))
    with pghistory.context(user=user.pk, reason=f"Locked: {reason}"):
        return DataLock.objects.create(
            patient_id=patient.pk if patient is not None else None,
            site=site,
            reason=reason,
            locked_by=user,
        )


def _trial_lock(
    *, user: User, reason: str, patient: PatientAtSite | None, site: Site | None
) -> DataLock:
    if patient is not None or site is not None:
        raise ValidationError({"__all__": [_("Lock the whole trial, or a patient or a site.")]})
    # Every site row, then every patient row: what a new screening and every writing
    # service lock first, so a write already past its lock check finishes before the lock.
    list(Site.objects.select_for_update().values_list("pk"))
    list(patients().select_for_update().values_list("pk"))
    already = active_trial_lock()
    if already is not None:
        raise ValidationError(
            {
                "__all__": [
                    _("The whole trial is already locked since %(since)s (%(reason)s).")
                    % {
                        "since": f"{timezone.localtime(already.locked_at):%d/%m/%Y}",
                        "reason": already.reason,
                    }
                ]
            }
        )
    with pghistory.context(user=user.pk, reason=f"Trial locked: {reason}"):
        return DataLock.objects.create(trial=protocol.STUDY_ID, reason=reason, locked_by=user)


@transaction.atomic
def data_unlock(*, user: User, lock: DataLock, reason: str) -> DataLock:
    """Unlock, with the reason kept in the audit trail."""
    _require_data_manager(user)
    reason = reason_for_change(
        reason, field="unlock_reason", missing=_("Unlocking needs a reason.")
    )
    lock = DataLock.objects.select_for_update().get(pk=lock.pk)
    if lock.unlocked_at is not None:
        return lock
    lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = user, timezone.now(), reason
    with pghistory.context(user=user.pk, reason=f"Unlocked: {reason}"):
        lock.save(update_fields=["unlocked_by", "unlocked_at", "unlock_reason"])
    return lock
