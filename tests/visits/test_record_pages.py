"""The record pages: forms parse, the services decide, refusals come back as form errors.

Only a coordinator of the patient's site enters data; another site's patient does not exist
for a site-bound account.
"""

from __future__ import annotations

import datetime as dt

import pytest

from randomization.models import Randomization
from tests.visits.builders import record_cycle
from visits.models import TreatmentCycle

NEW_CYCLE = "/patients/03-001/cycles/new/"


def _cycle_form(randomization: Randomization, **overrides: str) -> dict[str, str]:
    form = {
        "started_on": "2025-03-06",
        "ended_on": "2025-03-12",
        "amsacrine_mg_m2": "450",
        "cytarabine_mg_m2": "3000",
        "azacitidine_mg_m2": "",
        "dexamethasone_mg": "",
        "delay_days": "0",
        "modification_note": "",
    }
    if randomization.arm == "dex":
        form.update(dexamethasone_given="on", dexamethasone_mg="160")
    form.update(overrides)
    return form


def test_it_records_a_cycle_from_the_page(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = client.post(NEW_CYCLE, _cycle_form(ic_patient.randomization))

    assert (page.status_code, page.url) == (302, "/patients/03-001/")
    assert TreatmentCycle.objects.get(patient=ic_patient).number == 1


def test_it_shows_a_refusal_on_the_field_and_saves_nothing(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = client.post(NEW_CYCLE, _cycle_form(ic_patient.randomization, cytarabine_mg_m2=""))

    assert page.status_code == 200
    assert page.context["form"].errors["cytarabine_mg_m2"] == [
        "Required for a intensive: amsacrine + cytarabine cycle."
    ]
    assert not TreatmentCycle.objects.exists()


def test_it_needs_a_reason_to_correct_a_cycle_from_the_page(client, ic_patient, coordinator):
    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    client.force_login(coordinator)

    page = client.post(
        f"/patients/03-001/cycles/{cycle.pk}/edit/",
        _cycle_form(ic_patient.randomization, ended_on="2025-03-13", version="1", reason=""),
    )

    assert page.status_code == 200
    assert "reason" in page.context["form"].errors
    assert TreatmentCycle.objects.get(pk=cycle.pk).ended_on == dt.date(2025, 3, 12)


def test_it_lets_only_a_coordinator_of_the_site_enter_data(
    client, ic_patient, investigator, coordinator_b
):
    client.force_login(investigator)
    assert client.get(NEW_CYCLE).status_code == 403

    client.force_login(coordinator_b)
    assert client.get(NEW_CYCLE).status_code == 404
    assert client.post(NEW_CYCLE, _cycle_form(ic_patient.randomization)).status_code == 404
    assert not TreatmentCycle.objects.exists()


@pytest.mark.parametrize(
    "url", ["/patients/03-001/prescriptions/new/", "/patients/03-001/visits/M3/"]
)
def test_it_answers_404_for_a_record_that_does_not_exist(client, ic_patient, coordinator, url):
    client.force_login(coordinator)

    assert client.get(url).status_code == 404
