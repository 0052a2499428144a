"""A blood count is in the casebook like every declared form: a monitor verifies it, a data
manager queries it, and a correction shows it changed since its verification and breaks the
investigator's signature (its fingerprint covers the cycle it is linked to)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from labs.services import blood_count_update
from review.fingerprints import casebook_fingerprint
from review.selectors import casebook_review
from review.services import query_raise, record_verify
from tests.labs.builders import record_count
from tests.visits.builders import randomize, record_cycle


def test_a_corrected_count_is_no_longer_verified_nor_as_signed(
    patient_a, coordinator, monitor, data_manager
):
    randomize(patient_a, coordinator)
    record_cycle(patient_a, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    count = record_count(patient_a, coordinator, 1, dt.date(2025, 3, 20))
    record_verify(user=monitor, record=count)
    query = query_raise(user=data_manager, record=count, field_name="platelets", text="Unit?")
    signed = casebook_fingerprint(patient_a)
    [review] = [r for r in casebook_review(patient_a) if r.record == count]
    assert review.verification_current and review.queries == [query]

    blood_count_update(
        count=count,
        user=coordinator,
        values={"platelets": Decimal("16")},
        version=count.version,
        reason="Transcription error",
    )

    [review] = [r for r in casebook_review(patient_a) if r.record == count]
    assert not review.verification_current
    assert casebook_fingerprint(patient_a) != signed
