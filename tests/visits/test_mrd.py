"""MRD assessments: negativity < 10⁻³ by flow (PROTOCOL.md), derived, never typed; a negative
MRD beside morphologically active disease at the matching response is refused.

NPM1 qPCR: any detected transcript is positive (ELN 2021); not detected is negative when the
assay reaches 10⁻³. The matching response: the protocol evaluation for an after-induction
MRD, else the assessment closest in date within 14 days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

import protocol
from tests.visits.builders import record_cycle, record_response
from visits.models import MrdAssessment
from visits.services import mrd_record, mrd_update

R, M = protocol.ResponseCategory, protocol.MrdMethod
EVALUATED_ON = dt.date(2025, 4, 2)


def _values(**changes) -> dict:
    values = {
        "assessed_on": EVALUATED_ON,
        "timepoint": protocol.MrdTimepoint.AFTER_INDUCTION,
        "method": M.FLOW,
        "method_other": "",
        "sensitivity": Decimal("0.0001"),
        "result": protocol.MrdResult.VALUE,
        "value": Decimal("0.0005"),
    }
    values.update(changes)
    return values


@pytest.fixture
def after_induction(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _record(patient, user, **changes) -> MrdAssessment:
    return mrd_record(patient=patient, user=user, values=_values(**changes))


def _refusal(patient, user, **changes) -> dict:
    with pytest.raises(ValidationError) as refused:
        _record(patient, user, **changes)
    assert not MrdAssessment.objects.exists()
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("value", "negative"),
    [(Decimal("0.000999"), True), (Decimal("0.001"), False), (Decimal("0.0011"), False)],
)
def test_flow_mrd_is_negative_below_ten_to_the_minus_three(
    after_induction, coordinator, value, negative
):
    assert _record(after_induction, coordinator, value=value).negative is negative


@pytest.mark.parametrize(
    ("sensitivity", "negative"), [(Decimal("0.001"), True), (Decimal("0.002"), None)]
)
def test_flow_negative_below_sensitivity_counts_only_with_an_assay_reaching_ten_to_the_minus_three(
    after_induction, coordinator, sensitivity, negative
):
    mrd = _record(
        after_induction,
        coordinator,
        result=protocol.MrdResult.BELOW_SENSITIVITY,
        value=None,
        sensitivity=sensitivity,
    )
    assert mrd.negative is negative


def test_npm1_qpcr_is_positive_when_detected_at_any_level(after_induction, coordinator):
    mrd = _record(
        after_induction,
        coordinator,
        method=M.NPM1_QPCR,
        sensitivity=Decimal("0.00001"),
        value=Decimal("0.00002"),
    )
    assert mrd.negative is False


def test_npm1_qpcr_not_detected_is_negative(after_induction, coordinator):
    mrd = _record(
        after_induction,
        coordinator,
        method=M.NPM1_QPCR,
        sensitivity=Decimal("0.00001"),
        result=protocol.MrdResult.BELOW_SENSITIVITY,
        value=None,
    )
    assert mrd.negative is True


def test_another_method_names_itself_and_derives_no_negativity(after_induction, coordinator):
    assert "method_other" in _refusal(after_induction, coordinator, method=M.OTHER)
    mrd = _record(after_induction, coordinator, method=M.OTHER, method_other="NGS")
    assert mrd.negative is None


@pytest.mark.parametrize("value", [Decimal("1"), Decimal("0.0001")])
def test_it_accepts_a_value_from_the_sensitivity_up_to_one(after_induction, coordinator, value):
    assert _record(after_induction, coordinator, value=value).value == value


def test_it_refuses_a_value_above_one(after_induction, coordinator):
    assert "value" in _refusal(after_induction, coordinator, value=Decimal("1.5"))


def test_it_refuses_a_value_below_the_assays_sensitivity(after_induction, coordinator):
    errors = _refusal(after_induction, coordinator, value=Decimal("0.00009"))
    assert "below the assay's sensitivity (0.0001)" in errors["value"][0]


@pytest.mark.parametrize("sensitivity", [Decimal("0.0000009"), Decimal("0.05")])
def test_it_refuses_an_implausible_sensitivity(after_induction, coordinator, sensitivity):
    errors = _refusal(after_induction, coordinator, sensitivity=sensitivity)
    assert "outside the plausible range" in errors["sensitivity"][0]


def test_a_below_sensitivity_result_has_no_value(after_induction, coordinator):
    errors = _refusal(after_induction, coordinator, result=protocol.MrdResult.BELOW_SENSITIVITY)
    assert "value" in errors


def test_it_refuses_a_negative_mrd_beside_resistant_disease_at_the_evaluation(
    after_induction, coordinator
):
    record_response(
        after_induction, coordinator, EVALUATED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("40")
    )

    # Sampled 20 days after the evaluation: still read against it (after induction).
    errors = _refusal(
        after_induction,
        coordinator,
        assessed_on=EVALUATED_ON + dt.timedelta(days=20),
        value=Decimal("0.0002"),
    )

    assert "morphologically active disease" in errors["result"][0]
    assert "02/04/2025" in errors["result"][0]


def test_a_positive_mrd_beside_resistant_disease_is_recorded(after_induction, coordinator):
    record_response(
        after_induction, coordinator, EVALUATED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("40")
    )
    assert _record(after_induction, coordinator, value=Decimal("0.2")).negative is False


@pytest.mark.parametrize(("days_apart", "refused"), [(14, True), (15, False)])
def test_other_timepoints_are_read_against_the_closest_assessment_within_14_days(
    after_induction, coordinator, days_apart, refused
):
    record_response(
        after_induction, coordinator, EVALUATED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("40")
    )
    changes = {
        "timepoint": protocol.MrdTimepoint.FOLLOW_UP,
        "assessed_on": EVALUATED_ON + dt.timedelta(days=days_apart),
        "value": Decimal("0.0002"),
    }
    if refused:
        assert "result" in _refusal(after_induction, coordinator, **changes)
    else:
        assert _record(after_induction, coordinator, **changes).negative is True


def test_a_correction_derives_the_negativity_again_with_its_reason(after_induction, coordinator):
    mrd = _record(after_induction, coordinator, value=Decimal("0.002"))
    assert mrd.negative is False

    mrd = mrd_update(
        mrd=mrd,
        user=coordinator,
        values={"value": Decimal("0.0002")},
        version=mrd.version,
        reason="Transcription error",
    )

    stored = MrdAssessment.objects.get(pk=mrd.pk)
    assert (stored.negative, stored.version) == (True, 2)


def test_it_is_entered_and_listed_through_the_api(after_induction, coordinator, statistician):
    client = APIClient()
    client.force_authenticate(coordinator)
    body = {k: str(v) for k, v in _values().items()}
    response = client.post(f"/api/v1/patients/{after_induction.study_id}/mrd/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["negative"] is True

    client.force_authenticate(statistician)
    listed = client.get("/api/v1/mrd-assessments/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["study_id"], r["negative"]) for r in rows] == [(after_induction.study_id, True)]
