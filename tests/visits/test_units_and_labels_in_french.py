"""The patient page and the record forms of a French site say every label and unit in
French (issue 16): the timeline's column headers ("Temps d'évaluation", "Produit",
"Médicament", "Catégorie", "Voie d'administration"), units once and in French ("jours",
"cellules CD3+ ×10⁶/kg"), the cycle form's plausible range "de 0 à 180 jours", and the AE
form's help text naming its option as the option reads (« Sans objet »)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

import protocol
from medications.services import concomitant_medication_record
from tests.biology.builders import record_specimen
from tests.factories import screen_patient
from tests.labs.builders import record_transfusion
from tests.medications.builders import medication_values
from tests.visits.builders import randomize, record_cycle

NBSP = "\u00a0"


@pytest.fixture
def french_site(site_a):
    site_a.language = "fr"
    site_a.save(update_fields=["language"])
    return site_a


def _text(page: str) -> str:
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_patient_page_names_its_columns_in_french(client, ic_patient, coordinator, french_site):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_transfusion(ic_patient, coordinator, 1, dt.date(2025, 3, 10))
    record_specimen(ic_patient, coordinator, mutated=("npm1",))
    concomitant_medication_record(patient=ic_patient, user=coordinator, values=medication_values())
    client.force_login(coordinator)

    page = _text(client.get("/patients/03-001/").content.decode())

    for french in (
        "Temps d'évaluation",
        "Produit",
        "Médicament",
        "Catégorie",
        "Voie d'administration",
    ):
        assert french in page, french
    for english in ("Timepoint", "Product", "Drug ", "Category", "Route", "(days)"):
        assert english not in page, english


def test_the_cycle_form_gives_its_plausible_range_in_french(
    client, ic_patient, coordinator, french_site
):
    client.force_login(coordinator)

    page = _text(client.get("/patients/03-001/cycles/new/").content.decode())

    assert f"Valeurs plausibles{NBSP}: de 0 à 180 jours" in page
    assert "days" not in page


@pytest.fixture
def dex_patient(french_site, coordinator, frozen_today):
    """A patient of the dexamethasone arm, whose form asks the relatedness to dexamethasone
    (the control arm's form leaves it out); permuted blocks of 2 or 4 give both arms within
    3 patients."""
    for _ in range(4):
        randomization = randomize(screen_patient(site=french_site, user=coordinator), coordinator)
        if randomization.arm == protocol.Arm.DEX:
            return randomization.patient
    pytest.fail("Permuted blocks of 2 or 4 gave four patients the control arm.")


def test_the_adverse_event_form_s_help_names_its_option_as_it_reads(
    client, dex_patient, coordinator
):
    client.force_login(coordinator)

    url = f"/patients/{dex_patient.study_id}/adverse-events/new/"
    page = _text(client.get(url).content.decode())

    assert "Sans objet (pas de dexaméthasone reçue)" in page
    assert f"«{NBSP}Sans objet{NBSP}» uniquement pour un patient du bras contrôle" in page
    assert "Non applicable" not in page
    assert "Terme CTCAE v5.0" in page and "terme CTCAE v5.0" not in page


def test_the_response_form_writes_its_percentages_and_decimals_in_french(
    client, ic_patient, coordinator, french_site
):
    client.force_login(coordinator)

    page = _text(client.get("/patients/03-001/responses/new/").content.decode())

    assert f"de 0 à 100{NBSP}%" in page
    assert "100%" not in page
