"""The audit trail (21 CFR Part 11 §11.10(e)): who, when, which field, old and new, why.

Triggers in PostgreSQL write the events, so even writes that bypass the services
(QuerySet.update(), raw SQL) are caught; the events themselves cannot be altered.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import Role
from accounts.services import staff_role_change
from audit.selectors import history_of
from patients.models import Patient, Screening
from patients.services import ReasonForChangeRequired, screening_update


def _last_change(patient: Patient):
    return history_of(patient, patient.screening)[-1]


def test_it_records_the_initial_entry_with_its_author(patient_a, coordinator):
    entries = history_of(patient_a, patient_a.screening)

    inserted = {e.record for e in entries if e.action == "insert"}
    assert {"Patient", "Screening", "CriterionAnswer INC_AGE"} <= inserted
    assert {e.username for e in entries} == {coordinator.username}
    assert {e.reason for e in entries} == {"Initial entry"}


def test_it_records_a_correction_with_old_and_new_values_and_the_reason(patient_a, coordinator):
    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    entry = _last_change(patient_a)
    assert entry.action == "update"
    assert entry.record == "Screening"
    assert entry.changes == {"ecog": (1, 2)}
    assert entry.reason == "Transcription error"
    assert entry.username == coordinator.username


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_correction_without_a_reason(patient_a, coordinator, reason):
    with pytest.raises(ReasonForChangeRequired):
        screening_update(patient=patient_a, user=coordinator, reason=reason, changes={"ecog": 2})

    patient_a.screening.refresh_from_db()
    assert patient_a.screening.ecog == 1


def test_it_audits_a_queryset_update_that_bypasses_the_services(patient_a):
    Screening.objects.filter(patient=patient_a).update(ecog=3)

    entry = _last_change(patient_a)
    assert entry.changes == {"ecog": (1, 3)}


def test_it_audits_a_raw_sql_update(patient_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE patients_patient SET year_of_birth = 1961 WHERE id = %s", [patient_a.pk]
        )

    entry = history_of(patient_a)[-1]
    assert entry.record == "Patient"
    assert entry.changes == {"year_of_birth": (1960, 1961)}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE patients_screeningevent SET ecog = 4",
        "DELETE FROM patients_screeningevent",
        "UPDATE patients_patientevent SET sex = 'M'",
        "DELETE FROM accounts_userevent",
    ],
)
def test_it_refuses_any_alteration_of_an_audit_row(patient_a, statement):
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert Screening.pgh_event_model.objects.filter(pgh_obj=patient_a.screening).exists()


def test_it_records_a_role_change_with_its_reason(coordinator):
    staff_role_change(user=coordinator, role=Role.INVESTIGATOR, reason="Promoted to sub-I")

    entry = [e for e in history_of(coordinator) if e.record == "User"][-1]
    assert entry.changes == {"role": ("coordinator", "investigator")}
    assert entry.reason == "Promoted to sub-I"
