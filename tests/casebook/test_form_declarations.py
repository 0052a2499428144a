"""A form is declared once: its model's fields, each with a label people read (unit
included), a plausible range, and whether a coordinator types it or the services set it.

A declaration that names a field its model lacks, or names one twice, stops the
application at start-up rather than a page in use.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist

from casebook.declarations import Form, Item, Odm
from casebook.registry import site
from visits import crfs
from visits.models import TreatmentCycle

ODM = Odm("SE.TREATMENT", "CYCLE", "CY", rows="cycles")


def _cycle_form(*items: Item) -> Form:
    return Form(
        name="cycles",
        title="Treatment cycle",
        model=TreatmentCycle,
        items=items,
        entered_by=frozenset(),
        timeline_order=30,
        odm=ODM,
    )


def test_it_refuses_a_field_the_model_does_not_have():
    with pytest.raises(FieldDoesNotExist):
        _cycle_form(Item("started_on"), Item("cytarabin_mg_m2"))


def test_it_refuses_a_field_declared_twice():
    with pytest.raises(ValueError, match="declares a field twice"):
        _cycle_form(Item("started_on"), Item("started_on"))


def test_it_labels_each_field_with_its_unit():
    # A unit the model's verbose name already gives is not repeated.
    assert crfs.CYCLE.label("cytarabine_mg_m2") == "Cytarabine (mg/m², total)"
    assert crfs.CYCLE.label("delay_days") == "Delay (days)"
    assert crfs.RESPONSE.label("anc") == "ANC (×10⁹/L)"
    assert crfs.RESPONSE.label("marrow_blasts_pct") == "Marrow blasts (%)"
    # A unit the verbose name lacks is added; a declared label replaces the verbose name.
    form = _cycle_form(Item("delay_days", label="postponed by", unit="weeks"))
    assert form.label("delay_days") == "Postponed by (weeks)"


@pytest.mark.parametrize("form", list(site), ids=lambda form: form.name)
def test_every_declared_unit_is_in_its_label(form):
    for item in form.items:
        assert item.unit in form.label(item.name), (form.name, item.name)


def test_it_tells_the_fields_a_coordinator_enters_from_those_the_services_set():
    assert crfs.CYCLE.derived_fields == ("number", "phase")
    assert crfs.CYCLE.entered_fields == (
        "started_on",
        "ended_on",
        "amsacrine_mg_m2",
        "cytarabine_mg_m2",
        "azacitidine_mg_m2",
        "dexamethasone_given",
        "dexamethasone_mg",
        "delay_days",
        "dose_reduced",
        "modification_note",
    )
    # A follow-up visit's month and window come from the schedule; "missed" is its own action.
    assert crfs.FOLLOW_UP_VISIT.derived_fields == (
        "month",
        "target_on",
        "window_opens_on",
        "window_closes_on",
        "missed_reason",
    )
    assert crfs.OFF_STUDY.derived_fields == ("fatal_adverse_event",)
    assert crfs.ADVERSE_EVENT.derived_fields == ("sae_reviewed_at",)


def test_it_states_a_plausible_range_as_people_read_it():
    assert crfs.CYCLE.item("cytarabine_mg_m2").plausible_range == "0 to 25000 mg/m²"
    assert crfs.RESPONSE.item("marrow_blasts_pct").plausible_range == "0 to 100%"
    assert crfs.ADVERSE_EVENT.item("grade").plausible_range == "1 to 5"
    assert Item("anc", unit="×10⁹/L", minimum=Decimal("0.5")).plausible_range == (
        "at least 0.5 ×10⁹/L"
    )
    assert Item("platelets", maximum=Decimal("2000.00")).plausible_range == "at most 2000"
    assert crfs.CYCLE.item("started_on").plausible_range == ""


def test_a_plausible_range_includes_its_bounds_and_admits_an_empty_value():
    cytarabine = crfs.CYCLE.item("cytarabine_mg_m2")

    assert cytarabine.admits(Decimal("0")) and cytarabine.admits(Decimal("25000.00"))
    assert not cytarabine.admits(Decimal("25000.01"))
    assert not cytarabine.admits(Decimal("-0.01"))
    assert cytarabine.admits(None)
    assert crfs.CYCLE.item("modification_note").admits("Infection")  # unbounded
