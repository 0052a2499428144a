"""Locks left the review app without a row moving.

The lock and its audit trail keep the tables they had in review (review_datalock and
review_datalockevent); the audit triggers run under the ids of the locks app, none is left
under the review ones, and the trail stays append-only.
"""

from __future__ import annotations

import pgtrigger
import pytest
from django.apps import apps
from django.db import InternalError, connection, transaction

from locks.models import DataLock
from locks.services import data_lock

DataLockEvent = apps.get_model("locks", "DataLockEvent")


def _installed_trigger_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger"
            " WHERE tgrelid IN ('review_datalock'::regclass, 'review_datalockevent'::regclass)"
            " AND tgname LIKE 'pgtrigger%%' ORDER BY tgname"
        )
        return [name for (name,) in cursor.fetchall()]


def test_the_locks_keep_the_tables_they_had_in_review():
    assert DataLock._meta.db_table == "review_datalock"
    assert DataLockEvent._meta.db_table == "review_datalockevent"


@pytest.mark.django_db
def test_the_audit_triggers_run_under_the_locks_ids_only():
    declared = [
        (model, trigger)
        for model, trigger in pgtrigger.registered()
        if model in (DataLock, DataLockEvent)
    ]

    assert sorted(f"{model.__name__}:{trigger.name}" for model, trigger in declared) == [
        "DataLock:delete_delete",
        "DataLock:insert_insert",
        "DataLock:update_update",
        "DataLockEvent:append_only",
    ]
    assert all(
        trigger.get_installation_status(model)[0] == "INSTALLED" for model, trigger in declared
    )
    assert _installed_trigger_names() == sorted(
        trigger.get_pgid(model) for model, trigger in declared
    )


def test_a_lock_is_audited_in_its_old_trail_which_stays_append_only(patient_a, data_manager):
    lock = data_lock(user=data_manager, patient=patient_a, reason="Cut-off 31/05/2025")

    assert list(DataLockEvent.objects.filter(pgh_obj=lock).values_list("pgh_label", "reason")) == [
        ("insert", "Cut-off 31/05/2025")
    ]
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        DataLockEvent.objects.filter(pgh_obj=lock).update(reason="Rewritten")
