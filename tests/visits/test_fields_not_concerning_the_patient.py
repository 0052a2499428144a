"""The record forms leave out what does not concern the patient's regimen or arm.

An intensive patient is not offered an azacitidine dose, an azacitidine patient no
amsacrine or cytarabine, a control-arm patient no dexamethasone; an adverse event of a
control-arm patient who never received dexamethasone does not ask its relatedness to it
(it can only be 'not applicable'). The fields are absent from the page, not disabled; a
field already holding a value is shown so it can be corrected; and the services still
refuse such values from any client (hiding is presentation only).
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.core.exceptions import ValidationError

import protocol
from randomization.models import Randomization
from tests.factories import screen_patient
from tests.visits.builders import contradicts_arm, cycle_values, randomize, record_cycle
from visits import services
from visits.models import AdverseEvent

DEX = protocol.DEXAMETHASONE_ARM
DOSES = ("amsacrine_mg_m2", "cytarabine_mg_m2", "azacitidine_mg_m2")
DEXAMETHASONE = ("dexamethasone_given", "dexamethasone_mg")


def _one_patient_per_arm(site, coordinator, regimen) -> dict[str, Randomization]:
    by_arm: dict[str, Randomization] = {}
    for _ in range(4):
        patient = screen_patient(site=site, user=coordinator)
        by_arm.setdefault(randomize(patient, coordinator, regimen).arm, patient.randomization)
        if len(by_arm) == 2:
            return by_arm
    pytest.fail("Permuted blocks of 2 or 4 gave four patients the same arm.")


@pytest.fixture
def intensive(site_a, coordinator, frozen_today) -> dict[str, Randomization]:
    return _one_patient_per_arm(site_a, coordinator, protocol.Regimen.INTENSIVE)


@pytest.fixture
def azacitidine(site_a, coordinator, frozen_today) -> dict[str, Randomization]:
    return _one_patient_per_arm(site_a, coordinator, protocol.Regimen.AZACITIDINE)


def _fields(client, url: str) -> list[str]:
    page = lxml.html.fromstring(client.get(url).content)
    return page.xpath("//form[@id='record-form']//*[self::input or self::select]/@name")


def _new(randomization: Randomization, kind: str) -> str:
    return f"/patients/{randomization.patient.study_id}/{kind}/new/"


def test_it_offers_an_intensive_patient_no_azacitidine(client, coordinator, intensive):
    client.force_login(coordinator)

    fields = _fields(client, _new(intensive[DEX], "cycles"))

    assert "amsacrine_mg_m2" in fields and "cytarabine_mg_m2" in fields
    assert "azacitidine_mg_m2" not in fields
    assert "dexamethasone_given" in fields and "dexamethasone_mg" in fields


def test_it_offers_an_azacitidine_patient_no_amsacrine_nor_cytarabine(
    client, coordinator, azacitidine
):
    client.force_login(coordinator)

    fields = _fields(client, _new(azacitidine[DEX], "cycles"))

    assert [name for name in DOSES if name in fields] == ["azacitidine_mg_m2"]


def test_it_offers_a_control_arm_patient_no_dexamethasone(client, coordinator, intensive):
    client.force_login(coordinator)

    fields = _fields(client, _new(intensive["control"], "cycles"))

    assert not [name for name in DEXAMETHASONE if name in fields]
    assert "started_on" in fields and "delay_days" in fields


def test_a_cycle_saved_without_the_left_out_fields_keeps_them_empty(client, coordinator, intensive):
    control = intensive["control"]
    client.force_login(coordinator)

    page = client.post(
        _new(control, "cycles"),
        {
            "started_on": "06/03/2025",
            "ended_on": "12/03/2025",
            "amsacrine_mg_m2": "450",
            "cytarabine_mg_m2": "3000",
            "delay_days": "0",
            # Sent anyway (a crafted post): not on the page, so not taken.
            "azacitidine_mg_m2": "525",
            "dexamethasone_given": "on",
            "dexamethasone_mg": "160",
        },
    )

    assert page.status_code == 302, page.context["form"].errors
    cycle = control.patient.cycles.get()
    assert (cycle.azacitidine_mg_m2, cycle.dexamethasone_given, cycle.dexamethasone_mg) == (
        None,
        False,
        None,
    )


def test_a_wrong_value_already_recorded_is_shown_to_be_corrected(client, coordinator, intensive):
    control = intensive["control"]
    cycle = record_cycle(
        control.patient,
        coordinator,
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 12),
        **contradicts_arm(control),
    )
    client.force_login(coordinator)

    fields = _fields(client, f"/patients/{control.patient.study_id}/cycles/{cycle.pk}/edit/")

    assert "dexamethasone_given" in fields and "dexamethasone_mg" in fields
    assert "azacitidine_mg_m2" not in fields


def test_the_service_still_refuses_a_drug_outside_the_regimen(coordinator, intensive):
    randomization = intensive[DEX]
    values = cycle_values(
        randomization, dt.date(2025, 3, 6), dt.date(2025, 3, 12), azacitidine_mg_m2=525
    )

    with pytest.raises(ValidationError) as refused:
        services.cycle_record(patient=randomization.patient, user=coordinator, values=values)

    assert refused.value.message_dict["azacitidine_mg_m2"] == [
        "Azacitidine is not part of the intensive: amsacrine + cytarabine regimen."
    ]


def test_an_adverse_event_of_an_unexposed_control_patient_does_not_ask_dexamethasone(
    client, coordinator, intensive
):
    control, dex = intensive["control"], intensive[DEX]
    client.force_login(coordinator)

    assert "related_to_dexamethasone" not in _fields(client, _new(control, "adverse-events"))
    assert "related_to_dexamethasone" in _fields(client, _new(dex, "adverse-events"))
    page = client.post(
        _new(control, "adverse-events"),
        {
            "term": "Nausea",
            "grade": "2",
            "onset_on": "07/03/2025",
            "related_to_salvage": "probable",
            "action_taken": "none",
        },
    )

    assert page.status_code == 302, page.context["form"].errors
    event = AdverseEvent.objects.get(patient=control.patient)
    assert event.related_to_dexamethasone == protocol.Relatedness.NOT_APPLICABLE


def test_a_control_patient_who_received_dexamethasone_is_asked_its_relatedness(
    client, coordinator, intensive
):
    control = intensive["control"]
    record_cycle(
        control.patient,
        coordinator,
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 12),
        **contradicts_arm(control),
    )
    client.force_login(coordinator)

    assert "related_to_dexamethasone" in _fields(client, _new(control, "adverse-events"))
