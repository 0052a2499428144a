"""The visit and record forms are walked with the keyboard in the order they are read.

No field jumps the queue with a positive tabindex, the fields come in the page in the order
the form declares them (visits/crfs.py; no stylesheet reorders them), the missed-visit form
after the visit's own, and each form asks static/js/focus-first-error.js to put the focus
on its first invalid field after a refused save (a data- attribute: the CSP forbids inline
script). A refused save opened from the worklist still goes back there once saved.

Treatment ended on 13 March 2025: M3 (13 June) is due from 30 May. Today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

import protocol
from tests.visits.builders import treated_patient
from visits import crfs

VISIT = "/patients/03-001/visits/M3/"
SCRIPT = "/static/js/focus-first-error.js"


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 3, 13),
    )


def _page(client, url: str, data: dict | None = None) -> lxml.html.HtmlElement:
    answer = client.post(url, data) if data is not None else client.get(url)
    assert answer.status_code == 200
    return lxml.html.fromstring(answer.content)


def _typed(form: lxml.html.HtmlElement) -> list[str]:
    """The names of the fields a person reaches with the keyboard, in the page's order."""
    return [
        element.get("name")
        for element in form.xpath(".//input|.//select|.//textarea|.//button")
        if element.get("type") != "hidden" and element.get("name")
    ]


def test_the_visit_form_is_walked_in_the_declared_order(client, coordinator, followed):
    client.force_login(coordinator)

    page = _page(client, VISIT)

    visit_form, missed_form = (
        page.get_element_by_id("visit-form"),
        page.get_element_by_id("missed-form"),
    )
    assert _typed(visit_form) == list(crfs.FOLLOW_UP_VISIT.entered_fields)
    assert _typed(missed_form) == ["missed-missed_reason"]
    assert page.xpath("//form").index(visit_form) < page.xpath("//form").index(missed_form)
    assert [t for t in page.xpath("//@tabindex") if int(t) > 0] == []


def test_the_cycle_form_is_walked_in_the_declared_order(client, coordinator, ic_patient):
    client.force_login(coordinator)

    page = _page(client, "/patients/03-001/cycles/new/")

    declared = [
        name
        for name in crfs.CYCLE.entered_fields
        if name != "azacitidine_mg_m2"  # not a drug of the intensive regimen: left out
        and (ic_patient.randomization.arm == "dex" or not name.startswith("dexamethasone"))
    ]
    assert _typed(page.get_element_by_id("record-form")) == declared
    assert [t for t in page.xpath("//@tabindex") if int(t) > 0] == []


def test_a_refused_save_marks_the_fields_and_asks_for_the_focus(client, coordinator, followed):
    client.force_login(coordinator)

    page = _page(client, VISIT, {"action": "record", "version": "1"})

    form = page.get_element_by_id("visit-form")
    assert form.get("data-focus-first-error") is not None
    invalid = form.xpath(".//div[contains(@class, 'invalid')]//*[@name]/@name")
    assert invalid[0] == "performed_on"
    assert len(page.xpath(f"//script[@src='{SCRIPT}'][@defer]")) == 1
    assert not page.xpath("//script[not(@src)]")


def test_a_refused_save_from_the_worklist_goes_back_there_once_saved(client, coordinator, followed):
    client.force_login(coordinator)
    worklist = "/worklist/?site=3&sort=status"

    refused = client.post(
        f"{VISIT}?next=/worklist/%3Fsite%3D3%26sort%3Dstatus",
        {"action": "record", "version": "1", "next": worklist},
    )
    form = lxml.html.fromstring(refused.content).get_element_by_id("visit-form")
    saved = client.post(
        VISIT,
        {
            "action": "record",
            "version": "1",
            "next": form.xpath(".//input[@name='next']/@value")[0],
            "performed_on": "02/06/2025",
            "vital_status": protocol.VitalStatus.ALIVE,
        },
    )

    assert refused.status_code == 200
    assert (saved.status_code, saved.url) == (302, worklist)
