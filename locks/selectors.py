"""Reads of the data locks: which lock freezes a patient, which are in force, how many.

A lock of the whole trial (its end, before the final analysis) freezes every patient and
every site: each read below counts it, so every writer that asks here refuses under it.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.db.models import Model, Q, QuerySet

from accounts.models import Site, User
from accounts.selectors import sites_visible_to
from locks.models import DataLock


class PatientAtSite(Protocol):
    """What a lock check needs of a patient: patients sit above locks, so not the model."""

    @property
    def pk(self) -> Any: ...

    @property
    def site_id(self) -> int: ...


def patients() -> QuerySet[Model]:
    """All patients, reached through the lock's foreign key rather than an upward import."""
    patient_model = cast("type[Model]", DataLock._meta.get_field("patient").related_model)
    return patient_model._default_manager.all()


def active_lock(patient: PatientAtSite) -> DataLock | None:
    """Return the lock that freezes this patient's data, if any (the trial's first)."""
    return (
        DataLock.objects.filter(
            Q(patient_id=patient.pk) | Q(site_id=patient.site_id) | Q(trial__isnull=False),
            unlocked_at__isnull=True,
        )
        .order_by("trial", "-locked_at")  # nulls last: a trial lock names the refusal
        .first()
    )


def active_site_lock(site: Site) -> DataLock | None:
    """Return the lock that freezes a whole site (or the whole trial), if any."""
    return (
        DataLock.objects.filter(Q(site=site) | Q(trial__isnull=False), unlocked_at__isnull=True)
        .order_by("trial", "-locked_at")
        .first()
    )


def active_trial_lock() -> DataLock | None:
    """Return the lock of the whole trial in force, if any."""
    return DataLock.objects.filter(trial__isnull=False, unlocked_at__isnull=True).first()


def active_locks(user: User) -> QuerySet[DataLock]:
    """The locks in force at the sites this account may see."""
    sites = sites_visible_to(user)
    return (
        DataLock.objects.filter(unlocked_at__isnull=True)
        .filter(Q(patient__site__in=sites) | Q(site__in=sites) | Q(trial__isnull=False))
        .select_related("patient", "site", "locked_by")
    )


def locked_patient_share(patient_ids: list[int] | None = None) -> dict[str, int]:
    """How many randomized patients' data are locked (analyses and exports report it).

    A randomized patient is one with a randomization row (its one-to-one reverse name);
    `patient_ids` narrows the count to those patients. Counted by the database on the
    randomizations alone (a million patients are never brought here, nor joined to their
    patient rows unless a site is locked); the locks in force are few, read first.
    """
    patient_model = patients().model
    randomization = cast(
        "type[Model]", patient_model._meta.get_field("randomization").related_model
    )
    randomized = randomization._default_manager.all()
    if patient_ids is not None:
        randomized = randomized.filter(patient_id__in=patient_ids)
    total = randomized.count()
    locks = DataLock.objects.filter(unlocked_at__isnull=True)
    if locks.filter(trial__isnull=False).exists():
        return {"locked": total, "randomized": total}
    locked_patients = list(locks.exclude(patient=None).values_list("patient_id", flat=True))
    locked_sites = list(locks.exclude(site=None).values_list("site_id", flat=True))
    if not locked_patients and not locked_sites:
        return {"locked": 0, "randomized": total}
    locked = Q(patient_id__in=locked_patients)
    if locked_sites:
        locked |= Q(patient__site_id__in=locked_sites)
    return {"locked": randomized.filter(locked).count(), "randomized": total}
