"""An MRD assessment is in the casebook like every declared form: a monitor verifies it, a
data manager queries it, and a correction (the derived negativity with it) shows it changed
since its verification and breaks the investigator's signature."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import protocol
from review.fingerprints import casebook_fingerprint
from review.selectors import casebook_review
from review.services import query_raise, record_verify
from tests.visits.builders import record_cycle
from visits.services import mrd_record, mrd_update


def _mrd(patient, user):
    return mrd_record(
        patient=patient,
        user=user,
        values={
            "assessed_on": dt.date(2025, 4, 2),
            "timepoint": protocol.MrdTimepoint.AFTER_INDUCTION,
            "method": protocol.MrdMethod.FLOW,
            "sensitivity": Decimal("0.0001"),
            "result": protocol.MrdResult.VALUE,
            "value": Decimal("0.002"),
        },
    )


def test_a_corrected_mrd_is_no_longer_verified_nor_as_signed(
    ic_patient, coordinator, monitor, data_manager
):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    mrd = _mrd(ic_patient, coordinator)
    record_verify(user=monitor, record=mrd)
    query = query_raise(user=data_manager, record=mrd, field_name="value", text="Unit?")
    signed = casebook_fingerprint(ic_patient)
    [review] = [r for r in casebook_review(ic_patient) if r.record == mrd]
    assert review.verification_current and review.queries == [query]

    mrd_update(
        mrd=mrd,
        user=coordinator,
        values={"value": Decimal("0.0002")},
        version=mrd.version,
        reason="Value was in percent",
    )

    [review] = [r for r in casebook_review(ic_patient) if r.record == mrd]
    assert not review.verification_current
    assert casebook_fingerprint(ic_patient) != signed
