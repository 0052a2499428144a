"""The patient page's audit trail in the reader's language: a French data manager reads
the kind of each record, its fields, the reasons the services recorded and the criteria in
French, numbers with a decimal comma; the audit trail itself (API, exports) stays English.

Patient 03-001 randomized to amsacrine-cytarabine on 5 March 2025, with a first cycle and a
blood count during it (haemoglobin 8.1 g/dL, neutrophils 0.2 ×10⁹/L)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

import protocol
from tests.labs.builders import record_count, record_transfusion
from tests.visits.builders import randomize, record_cycle


@pytest.fixture
def french_data_manager(data_manager):
    data_manager.language = "fr"
    data_manager.save(update_fields=["language"])
    return data_manager


@pytest.fixture
def course(patient_a, coordinator):
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    ic_patient = patient_a
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_count(ic_patient, coordinator, 1, dt.date(2025, 3, 10))
    record_transfusion(ic_patient, coordinator, 1, dt.date(2025, 3, 10))
    return ic_patient


def _history(client, study_id: str) -> str:
    page = client.get(f"/patients/{study_id}/history/").content.decode()
    table = page.split('id="history"', 1)[1].split("</table>", 1)[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)))


def test_it_shows_the_audit_trail_in_french(client, course, french_data_manager):
    client.force_login(french_data_manager)

    history = _history(client, course.study_id)

    for french in (
        "Randomisation",  # the record's kind and the service's reason
        "Sélection",
        "Hémogramme",
        "Transfusion",
        "Cycle de traitement",
        "Année de naissance",
        "Numéro d'inclusion",
        "Âge au consentement",
        "Saisie initiale",
        "Réponse au critère",
        "Leucémie aiguë promyélocytaire (LAP)",
        "Produit",
        "Strate",
        "Schéma: Intensif",  # the stratum's levels
        "Statut de la maladie: en rechute",
        "8,1",
        "0,2",
    ):
        assert french in history, french
    for english in (
        "Year of birth",
        "Study id",
        "Age at consent",
        "Initial entry",
        "Blood count",
        "Criterion answer",
        "Acute promyelocytic leukaemia",
        "Product",
        "Regimen",
        "relapsed",
        "8.1",
        "0.2",
    ):
        assert english not in history, english


def test_it_keeps_the_audit_trail_in_english_for_an_english_reader(client, course, data_manager):
    client.force_login(data_manager)

    history = _history(client, course.study_id)

    for english in ("Year of birth", "Initial entry", "Blood count", "Criterion answer", "8.1"):
        assert english in history, english
