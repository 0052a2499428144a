"""A biology specimen is in the casebook like every declared form: a monitor verifies it, a
data manager queries it, and a correction shows it changed since its verification and
breaks the investigator's signature; the audit trail keeps the reason."""

from __future__ import annotations

from decimal import Decimal

from audit.selectors import history_of
from biology.services import specimen_update
from review.fingerprints import casebook_fingerprint
from review.selectors import casebook_review
from review.services import query_raise, record_verify
from tests.biology.builders import record_specimen


def test_a_corrected_specimen_is_no_longer_verified_nor_as_signed(
    ic_patient, coordinator, monitor, data_manager
):
    specimen = record_specimen(ic_patient, coordinator, mutated=("tp53",), tp53_vaf=Decimal("8"))
    record_verify(user=monitor, record=specimen)
    query = query_raise(user=data_manager, record=specimen, field_name="tp53_vaf", text="VAF?")
    signed = casebook_fingerprint(ic_patient)
    [review] = [r for r in casebook_review(ic_patient) if r.record == specimen]
    assert review.verification_current and review.queries == [query]

    specimen_update(
        specimen=specimen,
        user=coordinator,
        values={"tp53_vaf": Decimal("18")},
        version=specimen.version,
        reason="VAF read from the wrong column of the NGS report",
    )

    [review] = [r for r in casebook_review(ic_patient) if r.record == specimen]
    assert not review.verification_current
    assert casebook_fingerprint(ic_patient) != signed
    change = history_of(specimen)[-1]
    assert change.reason == "VAF read from the wrong column of the NGS report"
    assert "tp53_vaf" in change.changes
