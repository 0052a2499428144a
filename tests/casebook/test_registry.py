"""The registry holds every declared form of the trial, in the order of the patient's
timeline; the record kinds the pages and the API offer are exactly registered forms."""

from __future__ import annotations

import dataclasses

import pytest

from casebook.registry import Casebook, FormNotDeclared, site
from visits import crfs
from visits.models import TreatmentCycle
from visits.records import RECORD_KINDS


def test_it_lists_the_seven_forms_after_randomization_in_timeline_order():
    assert [form.name for form in site] == [
        "disease-history",
        "prior-regimens",
        "biology",
        "cycles",
        "blood-counts",
        "transfusions",
        "responses",
        "mrd",
        "transplant",
        "transplant-events",
        "end-of-treatment",
        "follow-up-visits",
        "off-study",
        "adverse-events",
        "concomitant-medications",
    ]
    orders = [form.timeline_order for form in site]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_it_finds_a_form_by_name_and_by_model():
    assert site.form("cycles") is crfs.CYCLE
    assert site.form_of(TreatmentCycle) is crfs.CYCLE
    with pytest.raises(FormNotDeclared):
        site.form("no-such-form")


def test_every_record_kind_of_the_pages_and_the_api_is_a_registered_form():
    assert RECORD_KINDS
    for name, kind in RECORD_KINDS.items():
        assert site.form(name) is kind.form
        assert (kind.model, kind.fields) == (kind.form.model, kind.form.entered_fields)


def test_it_refuses_two_different_forms_under_one_name():
    casebook = Casebook()
    casebook.register(crfs.CYCLE)
    casebook.register(crfs.CYCLE)  # the same declaration, imported twice: harmless

    with pytest.raises(ValueError, match="declared twice"):
        casebook.register(dataclasses.replace(crfs.CYCLE, title="Cycle"))
