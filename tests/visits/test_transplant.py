"""Allo-HSCT is allowed for any patient, at any time, once the disease is controlled.

Controlled: a CR, CRi or MLFS is recorded on or before the day of the transplant.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import record_cycle, record_response
from visits.models import Transplant
from visits.services import response_update, transplant_record

R = protocol.ResponseCategory
TRANSPLANTED_ON = dt.date(2025, 5, 20)


@pytest.fixture
def after_induction(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _transplant(patient, user, on=TRANSPLANTED_ON) -> Transplant:
    return transplant_record(
        patient=patient,
        user=user,
        values={
            "transplanted_on": on,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
        },
    )


def _refused(patient, user, on=TRANSPLANTED_ON) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _transplant(patient, user, on)
    assert not Transplant.objects.filter(patient=patient).exists()
    return refused.value.message_dict


def test_it_refuses_a_transplant_before_any_response(after_induction, coordinator):
    errors = _refused(after_induction, coordinator)

    assert errors["transplanted_on"] == [
        "Allo-HSCT is allowed once the disease is controlled: no CR, CRi, MLFS is recorded on "
        "or before this date."
    ]


@pytest.mark.parametrize(
    ("category", "values"),
    [
        (R.PR, {"marrow_blasts_pct": Decimal("12.0")}),
        (R.RESISTANT, {"marrow_blasts_pct": Decimal("30.0")}),
    ],
)
def test_it_refuses_a_transplant_after_a_response_short_of_disease_control(
    after_induction, coordinator, category, values
):
    record_response(after_induction, coordinator, dt.date(2025, 4, 2), category, **values)

    errors = _refused(after_induction, coordinator)

    assert "once the disease is controlled" in errors["transplanted_on"][0]


def test_it_refuses_a_transplant_dated_before_the_remission(after_induction, coordinator):
    record_response(after_induction, coordinator, dt.date(2025, 5, 21), R.CR)

    errors = _refused(after_induction, coordinator, TRANSPLANTED_ON)

    assert list(errors) == ["transplanted_on"]


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


def test_it_refuses_a_correction_taking_away_the_remission_a_transplant_rests_on(
    after_induction, coordinator
):
    cr = record_response(after_induction, coordinator, dt.date(2025, 4, 2), R.CR)
    _transplant(after_induction, coordinator)

    with pytest.raises(ValidationError):
        response_update(
            assessment=cr,
            user=coordinator,
            values={"category": R.RESISTANT, "marrow_blasts_pct": Decimal("30")},
            version=cr.version,
            reason="Marrow re-read: 30% blasts",
        )

    cr.refresh_from_db()
    assert cr.category == R.CR
