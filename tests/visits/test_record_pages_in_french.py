"""A coordinator of a French site records treatment and follow-up in French: labels, the
timeline, the worklist, the CTCAE terms (« Anémie (Anemia) »: the French wording with the
coded English term beside it) and the services' refusals, with their values filled in. The
API answers the same refusal in English."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.visits.builders import cycle_values, record_cycle, record_end_of_treatment

NEW_CYCLE = "/patients/03-001/cycles/new/"
NBSP = "\u00a0"


@pytest.fixture
def french_site(site_a):
    site_a.language = "fr"
    site_a.save(update_fields=["language"])
    return site_a


def _ended_before_it_started(randomization) -> dict:
    values = cycle_values(randomization, dt.date(2025, 3, 10), dt.date(2025, 3, 8))
    return {name: value for name, value in values.items() if value is not None}


def test_it_shows_the_cycle_form_in_french(client, ic_patient, coordinator, french_site):
    client.force_login(coordinator)

    page = client.get(NEW_CYCLE).text

    assert "Cycle de traitement · patient 03-001" in page
    assert "Début du cycle" in page
    assert "Amsacrine (mg/m², total)" in page
    assert "Report (jours)" in page and "(days)" not in page  # the unit said once, in French
    assert f"Valeurs plausibles{NBSP}:" in page
    assert ">Enregistrer</button>" in page and ">Annuler</a>" in page
    assert "Cycle started on" not in page and ">Save</button>" not in page


def test_it_refuses_a_cycle_in_french_with_its_dates(client, ic_patient, coordinator, french_site):
    client.force_login(coordinator)
    body = {
        "started_on": "10/03/2025",
        "ended_on": "08/03/2025",
        "amsacrine_mg_m2": "450",
        "cytarabine_mg_m2": "3000",
        "delay_days": "0",
    }
    if ic_patient.randomization.arm == "dex":
        body.update(dexamethasone_given="on", dexamethasone_mg="160")

    page = client.post(NEW_CYCLE, body)

    assert page.status_code == 200
    assert page.context["form"].errors["ended_on"] == [
        "Un cycle ne peut pas se terminer (08/03/2025) avant de commencer (10/03/2025)."
    ]
    assert f"Rien n'a été enregistré. Veuillez corriger{NBSP}:" in page.text


def test_the_api_answers_the_same_refusal_in_english(ic_patient, coordinator, french_site):
    api = APIClient()
    api.force_authenticate(coordinator)
    body = {
        name: value.isoformat() if hasattr(value, "day") else value
        for name, value in _ended_before_it_started(ic_patient.randomization).items()
    }

    answer = api.post("/api/v1/patients/03-001/cycles/", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["ended_on"] == [
        "A cycle cannot end (08/03/2025) before it starts (10/03/2025)."
    ]


def test_the_timeline_and_the_worklist_speak_french(client, ic_patient, coordinator, french_site):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))
    client.force_login(coordinator)

    patient_page = client.get("/patients/03-001/").text
    worklist = client.get("/worklist/").text

    assert "Cycles de traitement" in patient_page
    assert "Visites de suivi" in patient_page
    assert ">Réalisée<" not in patient_page and ">Upcoming<" not in patient_page
    assert "Treatment cycles" not in patient_page
    assert "Liste de travail" in worklist and "Numéro d'inclusion" in worklist
    assert "Worklist:" not in worklist


def test_the_ctcae_terms_are_french_with_the_coded_english_beside(
    client, ic_patient, coordinator, french_site
):
    client.force_login(coordinator)

    page = client.get("/patients/03-001/adverse-events/new/").text

    assert (
        f"Anémie (Anemia) (Affections hématologiques et du système lymphatique{NBSP}; grades 1 à 5)"
    ) in page
    assert "Neutropénie fébrile (Febrile neutropenia) (Affections hématologiques" in page
    assert 'value="Anemia"' in page  # the coded value stays English (CDISC AEDECOD)


def test_the_ctcae_terms_are_english_alone_in_english(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = client.get("/patients/03-001/adverse-events/new/").text

    assert "Anemia (Blood and lymphatic system disorders; grades 1 to 5)" in page
    assert "Anémie" not in page
