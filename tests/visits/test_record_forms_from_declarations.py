"""The record pages and the API take each form's fields, labels, units and help from its
declaration (visits/crfs.py): what a coordinator reads on the page is what the casebook says.
"""

from __future__ import annotations

import lxml.html
import pytest

from casebook.registry import site as casebook
from visits import crfs
from visits.forms import RecordForm
from visits.record_apis import VisitRecordInput
from visits.records import RECORD_KINDS
from visits.serializers import FormOutput


@pytest.mark.parametrize("form", list(casebook), ids=lambda form: form.name)
def test_the_page_form_offers_the_declared_entered_fields_with_their_labels(form):
    page_form = RecordForm(form=form)

    assert tuple(page_form.fields) == form.entered_fields
    for name in form.entered_fields:
        if name != "term":  # the CTCAE term is a list of terms, labelled as such
            assert page_form.fields[name].label == form.label(name)


def test_the_page_form_gives_the_declared_help_and_the_plausible_range():
    page_form = RecordForm(form=crfs.CYCLE)

    assert page_form.fields["ended_on"].help_text == (
        "Leave empty while the cycle is running; only one cycle may be open."
    )
    assert page_form.fields["cytarabine_mg_m2"].help_text == "Plausible: 0 to 25000 mg/m²."
    assert page_form.fields["modification_note"].help_text == ""


def test_a_date_is_typed_in_a_date_input(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = lxml.html.fromstring(client.get("/patients/03-001/cycles/new/").content)

    # Typed dd/mm/yyyy whatever the browser's locale (casebook/date_inputs.py), not type=date.
    for name in ("started_on", "ended_on"):
        assert page.xpath(f"//input[@name='{name}']/@type") == ["text"]
        assert page.xpath(f"//input[@name='{name}']/@inputmode") == ["numeric"]
        assert page.xpath(f"//input[@name='{name}']/@placeholder") == ["dd/mm/yyyy"]
    assert page.xpath("//label[@for='id_cytarabine_mg_m2']/text()") == ["Cytarabine (mg/m², total)"]


@pytest.mark.parametrize("form", list(casebook), ids=lambda form: form.name)
def test_the_api_answers_with_every_declared_field(form):
    fields = list(FormOutput.of(form)().fields)

    assert fields[:3] == ["id", "study_id", "site"]
    assert fields[-3:] == ["version", "created_at", "updated_at"]
    assert [name for name in fields if name in form.field_names] == list(form.field_names)


def test_the_api_takes_the_declared_entered_fields():
    for kind in RECORD_KINDS.values():
        assert kind.fields == kind.form.entered_fields
    visit_fields = list(VisitRecordInput().fields)
    assert visit_fields == [*crfs.FOLLOW_UP_VISIT.entered_fields, "version", "reason"]
