"""What a treatment cycle must contain, and dates it may have.

Dates are not in the future and not before the randomization; a cycle ends on or after the
day it starts. The regimen's drugs need a dose and the other regimen's drugs are refused;
dexamethasone given needs its dose; a delay or dose reduction needs its reason. Each
refusal names the field and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from randomization.models import Randomization
from tests.visits.builders import cycle_values
from visits.models import TreatmentCycle
from visits.services import cycle_record


def _refused(patient, user, **overrides) -> dict[str, list[str]]:
    values = cycle_values(
        Randomization.objects.get(patient=patient), dt.date(2025, 3, 6), dt.date(2025, 3, 12)
    )
    values.update(overrides)
    with pytest.raises(ValidationError) as refused:
        cycle_record(patient=patient, user=user, values=values)
    assert not TreatmentCycle.objects.filter(patient=patient).exists()
    return refused.value.message_dict


def test_it_refuses_a_cycle_starting_in_the_future(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, started_on=dt.date(2025, 6, 3), ended_on=None)

    assert errors["started_on"] == ["03/06/2025 is in the future (today is 02/06/2025)."]


def test_it_refuses_a_cycle_ending_in_the_future(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, ended_on=dt.date(2025, 6, 3))

    assert list(errors) == ["ended_on"]


def test_it_refuses_a_cycle_starting_before_the_randomization(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, started_on=dt.date(2025, 3, 4))

    assert errors["started_on"] == ["04/03/2025 is before the randomization on 05/03/2025."]


def test_it_refuses_a_cycle_ending_before_it_starts(ic_patient, coordinator):
    errors = _refused(
        ic_patient, coordinator, started_on=dt.date(2025, 3, 12), ended_on=dt.date(2025, 3, 6)
    )

    assert "ended_on" in errors


@pytest.mark.parametrize("field", ["amsacrine_mg_m2", "cytarabine_mg_m2"])
@pytest.mark.parametrize("dose", [None, Decimal("0")])
def test_it_requires_the_dose_of_each_intensive_drug(ic_patient, coordinator, field, dose):
    errors = _refused(ic_patient, coordinator, **{field: dose})

    assert errors == {field: ["Required for a intensive: amsacrine + cytarabine cycle."]}


def test_it_refuses_azacitidine_in_an_intensive_cycle(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, azacitidine_mg_m2=Decimal("525"))

    assert "Azacitidine is not part of the" in errors["azacitidine_mg_m2"][0]


def test_it_requires_the_azacitidine_dose_in_an_azacitidine_cycle(aza_patient, coordinator):
    errors = _refused(aza_patient, coordinator, azacitidine_mg_m2=None)

    assert list(errors) == ["azacitidine_mg_m2"]


@pytest.mark.parametrize("field", ["amsacrine_mg_m2", "cytarabine_mg_m2"])
def test_it_refuses_intensive_drugs_in_an_azacitidine_cycle(aza_patient, coordinator, field):
    errors = _refused(aza_patient, coordinator, **{field: Decimal("100")})

    assert "is not part of the azacitidine regimen" in errors[field][0]


def test_it_requires_the_dose_when_dexamethasone_was_given(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, dexamethasone_given=True, dexamethasone_mg=None)

    assert errors == {"dexamethasone_mg": ["Give the total dose of dexamethasone given."]}


def test_it_refuses_a_dexamethasone_dose_marked_not_given(ic_patient, coordinator):
    errors = _refused(
        ic_patient, coordinator, dexamethasone_given=False, dexamethasone_mg=Decimal("40")
    )

    assert list(errors) == ["dexamethasone_mg"]


@pytest.mark.parametrize("modification", [{"delay_days": 7}, {"dose_reduced": True}])
@pytest.mark.parametrize("note", ["", "   "])
def test_it_requires_the_reason_for_a_delay_or_a_dose_reduction(
    ic_patient, coordinator, modification, note
):
    errors = _refused(ic_patient, coordinator, modification_note=note, **modification)

    assert errors == {"modification_note": ["Say why the cycle was delayed or reduced."]}


def test_it_accepts_a_delayed_reduced_cycle_with_its_reason(ic_patient, coordinator):
    values = cycle_values(
        Randomization.objects.get(patient=ic_patient),
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 12),
        delay_days=7,
        dose_reduced=True,
        modification_note="Grade 3 sepsis: start delayed, cytarabine -25%",
    )

    cycle = cycle_record(patient=ic_patient, user=coordinator, values=values).record

    assert (cycle.number, cycle.delay_days, cycle.dose_reduced) == (1, 7, True)


def test_it_refuses_a_field_that_is_not_on_the_cycle_form(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, number=3)

    assert errors == {"number": ["Not a field of this form."]}
