"""Each number a coordinator types is held to the plausible range its form declares
(visits/crfs.py): a slipped digit or a wrong unit is refused on the field, naming the range
and its unit, and nothing is saved. The bounds themselves are plausible values.

Per cycle: amsacrine and azacitidine at most 1500 mg/m², cytarabine at most 25000 mg/m²
(high-dose cytarabine 3 g/m² twice daily for 3 days is 18000), dexamethasone at most
1000 mg, a delay of at most 180 days. Per assessment: marrow blasts 0 to 100%, ANC at
most 100 ×10⁹/L, platelets at most 2000 ×10⁹/L. Adverse events: CTCAE grades 1 to 5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

import protocol
from tests.visits.builders import (
    adverse_event_values,
    cycle_values,
    record_cycle,
    response_values,
)
from visits import services
from visits.models import AdverseEvent, ResponseAssessment, TreatmentCycle

CYCLE_STARTED, CYCLE_ENDED = dt.date(2025, 3, 6), dt.date(2025, 3, 12)
ASSESSED = dt.date(2025, 3, 30)


def _outside(label: str, value: str, plausible: str) -> str:
    return (
        f"{label}: {value} is outside the plausible range of {plausible}. "
        "Check the value and its unit."
    )


def _refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- Treatment cycles ------------------------------------------------------------------


def test_it_takes_each_intensive_cycle_value_at_its_plausible_maximum(ic_patient, coordinator):
    cycle = record_cycle(
        ic_patient,
        coordinator,
        CYCLE_STARTED,
        CYCLE_ENDED,
        amsacrine_mg_m2=Decimal("1500"),
        cytarabine_mg_m2=Decimal("25000"),
        dexamethasone_given=True,
        dexamethasone_mg=Decimal("1000"),
        delay_days=180,
        modification_note="Prolonged aplasia after the previous line.",
    )

    assert (cycle.cytarabine_mg_m2, cycle.delay_days) == (Decimal("25000"), 180)


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            "amsacrine_mg_m2",
            Decimal("1500.01"),
            _outside("Amsacrine (mg/m², total)", "1500.01", "0 to 1500 mg/m²"),
        ),
        (
            "cytarabine_mg_m2",
            Decimal("25000.01"),
            _outside("Cytarabine (mg/m², total)", "25000.01", "0 to 25000 mg/m²"),
        ),
        (
            "dexamethasone_mg",
            Decimal("1000.01"),
            _outside("Dexamethasone (mg, total)", "1000.01", "0 to 1000 mg"),
        ),
        ("delay_days", 181, _outside("Delay (days)", "181", "0 to 180 days")),
    ],
)
def test_it_refuses_an_intensive_cycle_value_just_above_its_plausible_maximum(
    ic_patient, coordinator, field, value, message
):
    given = {
        "dexamethasone_given": True,
        "dexamethasone_mg": Decimal("160"),
        "modification_note": "Infection.",
    }
    values = cycle_values(
        ic_patient.randomization, CYCLE_STARTED, CYCLE_ENDED, **{**given, field: value}
    )

    errors = _refusal(
        lambda: services.cycle_record(patient=ic_patient, user=coordinator, values=values)
    )

    assert errors == {field: [message]}
    assert not TreatmentCycle.objects.exists()


def test_it_holds_azacitidine_to_1500_mg_per_m2_a_cycle(aza_patient, coordinator):
    too_much = cycle_values(
        aza_patient.randomization,
        CYCLE_STARTED,
        CYCLE_ENDED,
        azacitidine_mg_m2=Decimal("1500.01"),
    )
    errors = _refusal(
        lambda: services.cycle_record(patient=aza_patient, user=coordinator, values=too_much)
    )
    assert errors == {
        "azacitidine_mg_m2": [_outside("Azacitidine (mg/m², total)", "1500.01", "0 to 1500 mg/m²")]
    }

    cycle = record_cycle(
        aza_patient, coordinator, CYCLE_STARTED, CYCLE_ENDED, azacitidine_mg_m2=Decimal("1500")
    )
    assert cycle.azacitidine_mg_m2 == Decimal("1500")


def test_it_holds_a_correction_to_the_same_ranges(ic_patient, coordinator):
    cycle = record_cycle(ic_patient, coordinator, CYCLE_STARTED, CYCLE_ENDED)

    errors = _refusal(
        lambda: services.cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"delay_days": 181, "modification_note": "Infection."},
            version=cycle.version,
            reason="Delay omitted",
        )
    )

    assert errors == {"delay_days": [_outside("Delay (days)", "181", "0 to 180 days")]}
    assert TreatmentCycle.objects.get(pk=cycle.pk).delay_days == 0


# --- Response assessments --------------------------------------------------------------


@pytest.fixture
def after_cycle_1(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, CYCLE_STARTED, CYCLE_ENDED)
    return ic_patient


def _assess(patient, user, category=protocol.ResponseCategory.CR, **values):
    return services.response_record(
        patient=patient, user=user, values=response_values(ASSESSED, category, **values)
    )


def test_it_takes_blood_counts_at_their_plausible_maximum(after_cycle_1, coordinator):
    response = _assess(after_cycle_1, coordinator, anc=Decimal("100"), platelets=Decimal("2000"))

    assert (response.anc, response.platelets) == (Decimal("100"), Decimal("2000"))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("anc", Decimal("100.01"), _outside("ANC (×10⁹/L)", "100.01", "0 to 100 ×10⁹/L")),
        (
            "platelets",
            Decimal("2000.01"),
            _outside("Platelets (×10⁹/L)", "2000.01", "0 to 2000 ×10⁹/L"),
        ),
    ],
)
def test_it_refuses_a_blood_count_just_above_its_plausible_maximum(
    after_cycle_1, coordinator, field, value, message
):
    errors = _refusal(lambda: _assess(after_cycle_1, coordinator, **{field: value}))

    assert errors == {field: [message]}
    assert not ResponseAssessment.objects.exists()


def test_it_takes_marrow_blasts_up_to_100_percent_and_no_more(after_cycle_1, coordinator):
    resistant = protocol.ResponseCategory.RESISTANT

    errors = _refusal(
        lambda: _assess(after_cycle_1, coordinator, resistant, marrow_blasts_pct=Decimal("100.1"))
    )
    # The field's own check already says it: one message, not two.
    assert errors == {"marrow_blasts_pct": ["Ensure this value is less than or equal to 100."]}

    response = _assess(after_cycle_1, coordinator, resistant, marrow_blasts_pct=Decimal("100"))
    assert response.marrow_blasts_pct == Decimal("100")


# --- Adverse events --------------------------------------------------------------------


@pytest.mark.parametrize("grade", [1, 4])
def test_it_takes_a_ctcae_grade_from_1(ic_patient, coordinator, grade):
    # Grade 5 is in range too, but only through the record of a death (test_fatal_...).
    # Anemia: a term CTCAE v5.0 grades from 1 (sepsis starts at 3: test_adverse_event_safety_...).
    event = services.adverse_event_record(
        patient=ic_patient,
        user=coordinator,
        values=adverse_event_values(
            dt.date(2025, 3, 10), ic_patient, term="Anemia", grade=grade, serious=False
        ),
    )

    assert event.grade == grade


@pytest.mark.parametrize(
    "grade, message",
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (6, "Ensure this value is less than or equal to 5."),
    ],
)
def test_it_refuses_a_grade_outside_ctcae(ic_patient, coordinator, grade, message):
    errors = _refusal(
        lambda: services.adverse_event_record(
            patient=ic_patient,
            user=coordinator,
            values=adverse_event_values(dt.date(2025, 3, 10), ic_patient, grade=grade),
        )
    )

    assert errors == {"grade": [message]}
    assert not AdverseEvent.objects.exists()


# --- The same refusal on the page and through the API -----------------------------------


def test_the_cycle_page_shows_the_range_on_the_field_and_saves_nothing(
    client, ic_patient, coordinator
):
    dex = ic_patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    client.force_login(coordinator)

    page = client.post(
        "/patients/03-001/cycles/new/",
        {
            "started_on": "2025-03-06",
            "ended_on": "2025-03-12",
            "amsacrine_mg_m2": "450",
            "cytarabine_mg_m2": "30000",  # 3000 with a slipped zero
            "delay_days": "0",
            **({"dexamethasone_given": "on", "dexamethasone_mg": "160"} if dex else {}),
        },
    )

    assert page.status_code == 200
    assert page.context["form"].errors["cytarabine_mg_m2"] == [
        _outside("Cytarabine (mg/m², total)", "30000", "0 to 25000 mg/m²")
    ]
    assert not TreatmentCycle.objects.exists()


def test_the_api_answers_the_range_as_a_field_error_and_saves_nothing(after_cycle_1, coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)

    response = api.post(
        "/api/v1/patients/03-001/responses/",
        {
            "assessed_on": "2025-03-30",
            "category": "CR",
            "marrow_blasts_pct": "2.0",
            "anc": "1.8",
            "platelets": "2000.01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "platelets": [_outside("Platelets (×10⁹/L)", "2000.01", "0 to 2000 ×10⁹/L")]
    }
    assert not ResponseAssessment.objects.exists()
