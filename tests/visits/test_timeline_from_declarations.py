"""The patient's timeline shows each declared form in its declared timeline order, with
column headers from the declared labels: a label or an order changed in visits/crfs.py
changes the page."""

from __future__ import annotations

import dataclasses
import datetime as dt

import lxml.html
import pytest

from casebook.declarations import Item
from casebook.registry import site as casebook
from tests.visits.builders import record_cycle
from visits import crfs

SECTIONS = "//section[@id='timeline']/ol/li[starts-with(@id, 'timeline-')]"


def _page(client, user) -> lxml.html.HtmlElement:
    client.force_login(user)
    return lxml.html.fromstring(client.get("/patients/03-001/").content)


def _declare(monkeypatch, form) -> None:
    """Replace a form's declaration in the registry, as an edit of visits/crfs.py would."""
    monkeypatch.setitem(casebook._forms, form.name, form)


def test_it_shows_the_declared_forms_in_timeline_order(client, ic_patient, coordinator):
    page = _page(client, coordinator)

    assert [li.xpath("strong/text()")[0] for li in page.xpath(SECTIONS)] == [
        # Entered at screening: shown with the screening, before the randomization.
        "Disease history",
        "Prior regimens",
        "Biology (karyotype and mutations)",
        "Treatment cycles",
        "Blood counts",
        "Transfusions",
        "Response assessments",
        "MRD assessments",
        "Allo-HSCT",
        "After the allo-HSCT (second HSCT, DLI, GVHD)",
        "End of treatment",
        "Follow-up visits",
        "Off study (death, withdrawal, lost to follow-up, end of study, follow-up completed)",
        "Adverse events",
        "Concomitant medications",
    ]


def test_it_heads_the_columns_with_the_declared_labels(client, ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    page = _page(client, coordinator)

    assert page.xpath("//li[@id='timeline-cycles']//th/text()") == [
        "Number",
        "Phase",
        "Cycle started on",
        "Cycle ended on",
        "Dexamethasone (mg, total)",
        "Delay (days) / dose reduced",
    ]
    assert page.xpath("//li[@id='timeline-responses']//th/text()") == [
        "Assessed on",
        "Timepoint",
        "After cycle",
        "Category",
        "Marrow blasts (%)",
        "ANC (×10⁹/L)",
        "Platelets (×10⁹/L)",
    ]


def test_a_label_or_an_order_changed_in_the_declaration_changes_the_page(
    client, ic_patient, coordinator, monkeypatch
):
    relabelled = tuple(
        Item("started_on", label="day 1 of the cycle") if item.name == "started_on" else item
        for item in crfs.CYCLE.items
    )
    _declare(monkeypatch, dataclasses.replace(crfs.CYCLE, items=relabelled))
    _declare(monkeypatch, dataclasses.replace(crfs.ADVERSE_EVENT, timeline_order=1))

    page = _page(client, coordinator)

    assert "Day 1 of the cycle" in page.xpath("//li[@id='timeline-cycles']//th/text()")
    at_screening = {f"timeline-{form.name}" for form in casebook if form.at_screening}
    after_randomization = [
        li.get("id") for li in page.xpath(SECTIONS) if li.get("id") not in at_screening
    ]
    assert after_randomization[0] == "timeline-adverse-events"


@pytest.mark.parametrize("single", [False, True])
def test_a_form_without_a_section_of_its_own_is_a_table_of_its_fields(
    client, ic_patient, coordinator, monkeypatch, single
):
    # As a newly declared form would appear before its section is written.
    _declare(
        monkeypatch,
        dataclasses.replace(crfs.CYCLE, name="cycles-plain", timeline_order=35, single=single),
    )
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    page = _page(client, coordinator)

    plain = page.xpath("//li[@id='timeline-cycles-plain']")[0]
    assert plain.xpath(".//th/text()") == [crfs.CYCLE.label(n) for n in crfs.CYCLE.field_names]
    cells = [td.text_content() for td in plain.xpath(".//tbody/tr[1]/td")]
    assert cells[:4] == ["1", "Induction", "06/03/2025", "12/03/2025"]
    assert plain.xpath(".//a/text()")[0] == "Correct"
