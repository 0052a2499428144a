"""A concomitant medication is in the casebook like every declared form: a monitor verifies
it, a data manager queries it, and a correction shows it changed since its verification and
breaks the investigator's signature; the link to the deviation it opened is the system's
bookkeeping, outside the fingerprint."""

from __future__ import annotations

from medications.services import concomitant_medication_record, concomitant_medication_update
from review.fingerprints import casebook_fingerprint
from review.selectors import casebook_review
from review.services import query_raise, record_verify
from tests.medications.builders import medication_values


def test_a_corrected_medication_is_no_longer_verified_nor_as_signed(
    ic_patient, coordinator, monitor, data_manager
):
    medication = concomitant_medication_record(
        patient=ic_patient, user=coordinator, values=medication_values()
    ).record
    record_verify(user=monitor, record=medication)
    query = query_raise(user=data_manager, record=medication, field_name="dose", text="Unit?")
    signed = casebook_fingerprint(ic_patient)
    [review] = [r for r in casebook_review(ic_patient) if r.record == medication]
    assert review.verification_current and review.queries == [query]

    concomitant_medication_update(
        medication=medication,
        user=coordinator,
        values={"dose": "200"},
        version=medication.version,
        reason="Dose as prescribed",
    )

    [review] = [r for r in casebook_review(ic_patient) if r.record == medication]
    assert not review.verification_current
    assert casebook_fingerprint(ic_patient) != signed


def test_the_deviation_link_is_outside_the_fingerprint():
    from medications.crfs import CONCOMITANT_MEDICATION

    assert "deviation" not in CONCOMITANT_MEDICATION.fingerprint_fields
    assert "drug" in CONCOMITANT_MEDICATION.fingerprint_fields
