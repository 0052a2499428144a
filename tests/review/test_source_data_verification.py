"""Source-data verification (SDV): a monitor checks records against the hospital's source.

The mark keeps a fingerprint of the values verified. Whether a record is still verified is
recomputed from the data, so a later change, whatever path it takes (a correction, a bulk
update, SQL), shows as "changed since verification" until the monitor verifies it again.
A monitor verifies only the sites they are assigned to.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection

import protocol
from patients.models import Patient, Screening
from patients.services import screening_update
from review.models import SourceVerification
from review.selectors import RecordReview, casebook_review, sdv_progress
from review.services import record_verify
from tests.visits.builders import record_cycle
from visits.models import TreatmentCycle

# patient_a's casebook before randomization: the patient, the screening, one answer per
# eligibility criterion.
CASEBOOK_RECORDS = 2 + len(protocol.ELIGIBILITY_CRITERIA)


def _screening(patient: Patient) -> Screening:
    return Screening.objects.get(patient=patient)


def _stored(patient: Patient) -> Patient:
    """The patient as the review page loads it, with its screening as stored."""
    return Patient.objects.select_related("screening").get(pk=patient.pk)


def _review_of(patient: Patient, record) -> RecordReview:
    [review] = [r for r in casebook_review(_stored(patient)) if r.record == record]
    return review


def test_it_shows_a_record_verified_by_the_monitor(patient_a, monitor):
    screening = _screening(patient_a)

    mark = record_verify(user=monitor, record=screening)

    review = _review_of(patient_a, screening)
    assert review.label == "Screening on 04/03/2025"
    assert (review.verified, review.verification_current) == (mark, True)
    assert (mark.verified_by, mark.verified_at.date()) == (monitor, dt.date(2025, 6, 2))
    assert (mark.patient, mark.record, mark.field_name) == (patient_a, screening, "")


def test_it_shows_unverified_records_as_such(patient_a):
    review = _review_of(patient_a, _screening(patient_a))

    assert (review.verified, review.verification_current) == (None, False)


def test_it_shows_a_record_corrected_after_verification_as_changed(patient_a, monitor, coordinator):
    record_verify(user=monitor, record=_screening(patient_a))

    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    review = _review_of(patient_a, _screening(patient_a))
    assert review.verified is not None
    assert review.verification_current is False


def test_it_sees_a_change_that_bypassed_the_services(patient_a, monitor):
    record_verify(user=monitor, record=_screening(patient_a))

    Screening.objects.filter(patient=patient_a).update(ecog=3)

    assert _review_of(patient_a, _screening(patient_a)).verification_current is False


def test_it_sees_a_change_made_in_sql(patient_a, monitor):
    record_verify(user=monitor, record=_stored(patient_a))

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Patient._meta.db_table} SET year_of_birth = 1961 WHERE id = %s",
            [patient_a.pk],
        )

    assert _review_of(patient_a, patient_a).verification_current is False


def test_it_keeps_the_mark_when_a_save_changes_no_value(patient_a, monitor, coordinator):
    record_verify(user=monitor, record=_screening(patient_a))

    with time_machine.travel(dt.datetime(2025, 6, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        screening_update(
            patient=patient_a, user=coordinator, reason="Re-saved, no change", changes={"ecog": 1}
        )

    assert _review_of(patient_a, _screening(patient_a)).verification_current is True


def test_it_is_verified_again_once_the_monitor_checks_the_corrected_value(
    patient_a, monitor, coordinator
):
    record_verify(user=monitor, record=_screening(patient_a))
    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    with time_machine.travel(dt.datetime(2025, 6, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        again = record_verify(user=monitor, record=_screening(patient_a))

    review = _review_of(patient_a, _screening(patient_a))
    assert (review.verified, review.verification_current) == (again, True)
    assert SourceVerification.objects.count() == 2


def test_it_refuses_a_monitor_of_another_site(patient_a, monitor_b):
    with pytest.raises(PermissionDenied, match="sites they are assigned to"):
        record_verify(user=monitor_b, record=_screening(patient_a))

    assert not SourceVerification.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "investigator", "data_manager"])
def test_only_a_monitor_verifies(request, patient_a, who):
    with pytest.raises(PermissionDenied):
        record_verify(user=request.getfixturevalue(who), record=_screening(patient_a))

    assert not SourceVerification.objects.exists()


def test_it_counts_the_records_verified_and_unchanged(patient_a, monitor, coordinator):
    assert sdv_progress(_stored(patient_a)) == (0, CASEBOOK_RECORDS)

    record_verify(user=monitor, record=_stored(patient_a))
    record_verify(user=monitor, record=_screening(patient_a))
    assert sdv_progress(_stored(patient_a)) == (2, CASEBOOK_RECORDS)

    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )
    assert sdv_progress(_stored(patient_a)) == (1, CASEBOOK_RECORDS)


def test_it_counts_the_treatment_records_once_randomized(ic_patient, monitor, coordinator):
    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    record_verify(user=monitor, record=TreatmentCycle.objects.get(pk=cycle.pk))

    # The randomization and the cycle join the casebook.
    assert sdv_progress(_stored(ic_patient)) == (1, CASEBOOK_RECORDS + 2)


def test_it_fingerprints_the_values_as_stored_not_as_passed(ic_patient, monitor, coordinator):
    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    record_verify(user=monitor, record=cycle)

    assert _review_of(ic_patient, cycle).verification_current is True


def test_it_judges_the_stored_values_not_the_patient_in_hand(patient_a, monitor, coordinator):
    record_verify(user=monitor, record=_screening(patient_a))

    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    [review] = [r for r in casebook_review(patient_a) if isinstance(r.record, Screening)]
    assert review.verification_current is False
