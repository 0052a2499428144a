"""Data locks: a patient's casebook or a whole site frozen before an analysis cut-off.

A data manager locks with a reason. While locked, every writing service refuses with a
message naming the lock; an unlock needs its own reason and is kept in the audit trail.
Analyses and exports report how many randomized patients' data are locked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

import protocol
from audit.selectors import history_of
from locks.models import DataLock
from locks.selectors import locked_patient_share
from locks.services import DataLocked, data_lock, data_unlock
from patients.models import Screening
from patients.services import screening_update
from randomization.models import Randomization
from randomization.services import patient_randomize
from tests.visits.builders import (
    RANDOMIZED_AT,
    randomize,
    record_adverse_event,
    record_cycle,
    record_response,
)
from visits import services
from visits.models import AdverseEvent, TreatmentCycle

CUT_OFF = "Interim analysis cut-off 31/05/2025"
PATIENT_LOCKED = (
    "The data of patient 03-001 are locked since 02/06/2025 (Interim analysis "
    "cut-off 31/05/2025): nothing can change until a data manager unlocks them, "
    "with a reason."
)
SITE_LOCKED = (
    "The data of site 03 CHU Toulouse are locked since 02/06/2025 (Interim "
    "analysis cut-off 31/05/2025): nothing can change until a data manager "
    "unlocks them, with a reason."
)


@pytest.fixture
def treated(ic_patient, coordinator):
    """ic_patient with an induction from 6 to 12 March 2025."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _refused_as_locked(write) -> list[str]:
    with pytest.raises(DataLocked) as refused:
        write()
    return refused.value.messages


# What a lock freezes ------------------------------------------------------------------------


def test_a_locked_patient_cannot_have_the_screening_corrected(patient_a, data_manager, coordinator):
    data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    messages = _refused_as_locked(
        lambda: screening_update(
            patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
        )
    )

    assert messages == [PATIENT_LOCKED]
    assert Screening.objects.get(patient=patient_a).ecog == 1


def test_a_locked_patient_cannot_be_randomized(patient_a, data_manager, coordinator):
    data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    messages = _refused_as_locked(lambda: randomize(patient_a, coordinator))

    assert messages == [PATIENT_LOCKED]
    assert not Randomization.objects.exists()


def test_a_locked_patient_cannot_have_a_cycle_recorded(ic_patient, data_manager, coordinator):
    data_lock(user=data_manager, patient=ic_patient, reason=CUT_OFF)

    messages = _refused_as_locked(
        lambda: record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    )

    assert messages == [PATIENT_LOCKED]
    assert not TreatmentCycle.objects.exists()


@pytest.mark.parametrize(
    "write", ["cycle_update", "response_record", "adverse_event_record", "end_of_treatment_record"]
)
def test_a_locked_patient_cannot_have_any_record_written(treated, data_manager, coordinator, write):
    cycle = TreatmentCycle.objects.get(patient=treated)
    writes = {
        "cycle_update": lambda: services.cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"ended_on": dt.date(2025, 3, 13)},
            version=cycle.version,
            reason="Date mistyped",
        ),
        "response_record": lambda: record_response(treated, coordinator, dt.date(2025, 4, 8)),
        "adverse_event_record": lambda: record_adverse_event(
            treated, coordinator, dt.date(2025, 3, 10)
        ),
        "end_of_treatment_record": lambda: services.end_of_treatment_record(
            patient=treated,
            user=coordinator,
            values={
                "ended_on": dt.date(2025, 4, 10),
                "reason": protocol.EndOfTreatmentReason.COMPLETED,
            },
        ),
    }
    data_lock(user=data_manager, patient=treated, reason=CUT_OFF)

    assert _refused_as_locked(writes[write]) == [PATIENT_LOCKED]
    assert TreatmentCycle.objects.get(pk=cycle.pk).version == 1


def test_the_refusal_is_a_validation_error_the_pages_show(patient_a, data_manager, coordinator):
    data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    with pytest.raises(ValidationError) as refused:
        screening_update(
            patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
        )

    assert refused.value.message_dict == {"__all__": [PATIENT_LOCKED]}


def test_a_patient_lock_leaves_the_other_patients_free(
    patient_a, patient_b, data_manager, coordinator_b
):
    data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    screening_update(
        patient=patient_b, user=coordinator_b, reason="Transcription error", changes={"ecog": 0}
    )

    assert Screening.objects.get(patient=patient_b).ecog == 0


def test_a_site_lock_freezes_every_patient_of_the_site(
    ic_patient, site_a, data_manager, coordinator
):
    data_lock(user=data_manager, site=site_a, reason=CUT_OFF)

    assert _refused_as_locked(
        lambda: screening_update(
            patient=ic_patient, user=coordinator, reason="Transcription error", changes={"ecog": 2}
        )
    ) == [SITE_LOCKED]
    assert _refused_as_locked(
        lambda: record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    ) == [SITE_LOCKED]


def test_a_site_lock_stops_randomization_at_the_site(
    patient_a, patient_b, site_a, data_manager, coordinator, coordinator_b
):
    data_lock(user=data_manager, site=site_a, reason=CUT_OFF)

    assert _refused_as_locked(
        lambda: patient_randomize(
            patient=patient_a,
            user=coordinator,
            regimen=protocol.Regimen.INTENSIVE,
            randomized_at=RANDOMIZED_AT,
        )
    ) == [SITE_LOCKED]
    # The other site randomizes as usual.
    randomize(patient_b, coordinator_b)
    assert list(Randomization.objects.values_list("patient__study_id", flat=True)) == ["07-001"]


def test_a_locked_patient_cannot_have_an_sae_marked_reviewed(treated, coordinator, data_manager):
    event = record_adverse_event(treated, coordinator, dt.date(2025, 3, 10), serious=True)
    data_lock(user=data_manager, patient=treated, reason=CUT_OFF)

    with pytest.raises(DataLocked):
        services.adverse_event_review(event=event, user=data_manager)

    assert AdverseEvent.objects.get(pk=event.pk).sae_reviewed_at is None


# Unlocking ----------------------------------------------------------------------------------


def test_an_unlock_with_a_reason_lets_the_data_change_again(patient_a, data_manager, coordinator):
    lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    lock = data_unlock(
        user=data_manager, lock=lock, reason="Query on ECOG answered after the cut-off"
    )
    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    assert Screening.objects.get(patient=patient_a).ecog == 2
    stored = DataLock.objects.get(pk=lock.pk)
    assert stored.active is False
    assert (stored.unlocked_by, stored.unlock_reason) == (
        data_manager,
        "Query on ECOG answered after the cut-off",
    )
    assert stored.unlocked_at == dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def test_the_unlock_is_kept_in_the_audit_trail(patient_a, data_manager):
    lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    data_unlock(user=data_manager, lock=lock, reason="Query on ECOG answered after cut-off")

    locked, unlocked = history_of(lock)
    assert (locked.action, locked.record) == ("insert", "DataLock")
    assert locked.changes["reason"] == (None, CUT_OFF)
    assert (unlocked.action, unlocked.record) == ("update", "DataLock")
    assert unlocked.changes == {
        "unlocked_at": (None, "2025-06-02T10:00:00+00:00"),
        "unlocked_by_id": (None, data_manager.pk),
        "unlock_reason": ("", "Query on ECOG answered after cut-off"),
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_unlock_without_a_reason_is_refused(patient_a, data_manager, coordinator, reason):
    lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    with pytest.raises(ValidationError) as refused:
        data_unlock(user=data_manager, lock=lock, reason=reason)

    assert refused.value.message_dict == {"unlock_reason": ["Unlocking needs a reason."]}
    assert DataLock.objects.get(pk=lock.pk).active is True
    with pytest.raises(DataLocked):
        screening_update(
            patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
        )


def test_unlocking_twice_keeps_the_first_unlock(patient_a, data_manager):
    lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)
    data_unlock(user=data_manager, lock=lock, reason="First reason")

    data_unlock(user=data_manager, lock=lock, reason="Second reason")

    assert DataLock.objects.get(pk=lock.pk).unlock_reason == "First reason"
    assert len(history_of(lock)) == 2


def test_a_patient_stays_locked_while_the_site_is(patient_a, site_a, data_manager, coordinator):
    patient_lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)
    data_lock(user=data_manager, site=site_a, reason=CUT_OFF)

    data_unlock(user=data_manager, lock=patient_lock, reason="Patient's query answered")

    assert _refused_as_locked(
        lambda: screening_update(
            patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
        )
    ) == [SITE_LOCKED]


# Who locks, and what a lock must say ---------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_lock_needs_a_reason(patient_a, data_manager, reason):
    with pytest.raises(ValidationError) as refused:
        data_lock(user=data_manager, patient=patient_a, reason=reason)

    assert refused.value.message_dict == {
        "reason": ["Say why the data are locked (e.g. the cut-off)."]
    }
    assert not DataLock.objects.exists()


def test_a_lock_is_of_a_patient_or_a_site(patient_a, site_a, data_manager):
    for what in ({}, {"patient": patient_a, "site": site_a}):
        with pytest.raises(ValidationError) as refused:
            data_lock(user=data_manager, reason=CUT_OFF, **what)
        assert refused.value.message_dict == {"__all__": ["Lock a patient or a site."]}

    assert not DataLock.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "investigator", "monitor", "statistician"])
def test_only_a_data_manager_locks_and_unlocks(request, patient_a, data_manager, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        data_lock(user=user, patient=patient_a, reason=CUT_OFF)
    lock = data_lock(user=data_manager, patient=patient_a, reason=CUT_OFF)

    with pytest.raises(PermissionDenied):
        data_unlock(user=user, lock=lock, reason="Please")

    assert DataLock.objects.get().active is True


# What analyses and exports report ------------------------------------------------------------


def test_it_counts_the_randomized_patients_whose_data_are_locked(
    ic_patient, patient_b, site_b, data_manager, coordinator_b
):
    randomize(patient_b, coordinator_b)
    assert locked_patient_share() == {"locked": 0, "randomized": 2}

    patient_lock = data_lock(user=data_manager, patient=ic_patient, reason=CUT_OFF)
    assert locked_patient_share() == {"locked": 1, "randomized": 2}

    data_lock(user=data_manager, site=site_b, reason=CUT_OFF)
    assert locked_patient_share() == {"locked": 2, "randomized": 2}

    data_unlock(user=data_manager, lock=patient_lock, reason="Query answered")
    assert locked_patient_share() == {"locked": 1, "randomized": 2}


def test_it_counts_only_randomized_patients(
    patient_a, patient_b, site_a, data_manager, coordinator_b
):
    randomize(patient_b, coordinator_b)

    data_lock(user=data_manager, site=site_a, reason=CUT_OFF)

    # patient_a, screened but not randomized, is outside the analyses.
    assert locked_patient_share() == {"locked": 0, "randomized": 1}
