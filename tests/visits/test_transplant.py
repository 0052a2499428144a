"""Allo-HSCT is allowed for any patient, at any time, once the disease is controlled.

Controlled: a CR, CRi or MLFS is recorded on or before the day of the transplant. A transplant
in uncontrolled disease is recorded all the same, as a major protocol deviation: see
test_transplant_in_controlled_disease.py (issue 11 turned the refusals once here into that).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import record_cycle, record_response, record_transplant
from visits.models import ProtocolDeviation, Transplant

R = protocol.ResponseCategory
TRANSPLANTED_ON = dt.date(2025, 5, 20)


@pytest.fixture
def after_induction(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _transplant(patient, user, on=TRANSPLANTED_ON) -> Transplant:
    return record_transplant(patient, user, on)


@pytest.mark.parametrize(
    ("category", "counts"),
    [
        (R.CR, {}),
        (R.CRI, {"platelets": Decimal("45")}),
        (R.MLFS, {"anc": Decimal("0.3"), "circulating_blasts": True}),
    ],
)
def test_it_accepts_a_transplant_once_the_disease_is_controlled(
    after_induction, coordinator, category, counts
):
    record_response(after_induction, coordinator, dt.date(2025, 4, 2), category, **counts)

    transplant = _transplant(after_induction, coordinator)

    assert Transplant.objects.get(patient=after_induction) == transplant
    assert transplant.disease_status == category  # taken from that response
    assert not ProtocolDeviation.objects.exists()


def test_it_accepts_a_transplant_on_the_day_remission_is_documented(after_induction, coordinator):
    record_response(after_induction, coordinator, TRANSPLANTED_ON, R.CR)

    assert _transplant(after_induction, coordinator).transplanted_on == TRANSPLANTED_ON


def test_it_records_one_transplant_per_patient(after_induction, coordinator):
    record_response(after_induction, coordinator, dt.date(2025, 4, 2), R.CR)
    _transplant(after_induction, coordinator)

    with pytest.raises(ValidationError) as refused:
        _transplant(after_induction, coordinator, dt.date(2025, 5, 28))

    assert "already recorded" in refused.value.message_dict["transplanted_on"][0]
    assert Transplant.objects.get(patient=after_induction).transplanted_on == TRANSPLANTED_ON
