"""Reads of the data locks: which lock freezes a patient, which are in force, how many.

A lock of the whole trial (its end, before the final analysis) freezes every patient and
every site: each read below counts it, so every writer that asks here refuses under it.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.db.models import Count, Exists, Model, Q, QuerySet

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
    `patient_ids` narrows the count to those patients. One aggregate counted by the
    database: a million patients are never brought here one by one.
    """
    randomized = patients().filter(randomization__isnull=False)
    if patient_ids is not None:
        randomized = randomized.filter(pk__in=patient_ids)
    locks = DataLock.objects.filter(unlocked_at__isnull=True)
    # Uncorrelated subqueries, which PostgreSQL evaluates once (the trial's lock) or hashes
    # (the patients' and sites' locks), whatever the number of patients.
    locked = (
        Q(Exists(locks.filter(trial__isnull=False)))
        | Q(pk__in=locks.exclude(patient=None).values("patient_id"))
        | Q(site_id__in=locks.exclude(site=None).values("site_id"))
    )
    counts = randomized.aggregate(randomized=Count("pk"), locked=Count("pk", filter=locked))
    return {"locked": counts["locked"], "randomized": counts["randomized"]}
