"""The review and audit screens speak the casebook's words, not the database's.

A data manager reading patient 03-001's review page, the query list and the patient's audit
trail sees each record by its form's title and its criterion's text ("Exclusion criterion:
Acute promyelocytic leukaemia (APL): No", never "EXC_APL: no"), each field by its label
("Marrow blasts (%)", never `marrow_blasts_pct`), each choice by its label ("First relapse",
never `first_relapse`), dates dd/mm/yyyy and booleans Yes/No.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType

import protocol
from patients.models import Screening
from patients.services import screening_update
from review.models import DataQuery
from review.services import query_raise
from tests.factories import all_criteria_met
from tests.visits.builders import record_adverse_event, record_cycle, record_response

APL = "Exclusion criterion: Acute promyelocytic leukaemia (APL): No"
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def _visible(html: str) -> str:
    """The text a reader sees (a <time datetime="..."> attribute is for machines)."""
    return re.sub(r"<[^>]+>", " ", html)


def _changes(history: str) -> str:
    """The audit trail's changes column, old → new (the time stamps' UTC is another matter)."""
    return _visible(" ".join(re.findall(r"<ul>.*?</ul>", history, flags=re.S)))


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


@pytest.fixture
def course(ic_patient, coordinator):
    """03-001 in its first cycle of amsacrine-cytarabine, with a response and a sepsis."""
    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    response = record_response(ic_patient, coordinator, dt.date(2025, 4, 10))
    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 20))
    return cycle, response, event


def test_the_review_page_names_each_record_in_words(client, course, data_manager):
    client.force_login(data_manager)

    html = client.get("/patients/03-001/review/").content.decode()

    records = _between(html, 'id="review-records"', "</table>")
    assert "Patient 03-001" in records
    assert "Screening on 04/03/2025" in records
    assert APL in records
    assert "Inclusion criterion:" in records
    assert "Randomization on 05/03/2025" in records
    assert "Treatment cycle 1 · Induction · 06/03/2025" in records
    assert "Response assessment · Complete remission (CR) · 10/04/2025" in records
    assert "Sepsis · grade 3" in records
    for code in ("EXC_APL", "INC_", "Criterion answer", ": no", " CR on ", "induction)"):
        assert code not in records, code
    assert not ISO_DATE.search(_visible(records))


def test_the_review_page_never_names_the_arm_in_a_records_name(client, course, sponsor):
    client.force_login(sponsor)

    records = _between(
        client.get("/patients/03-001/review/").content.decode(), 'id="review-records"', "</table>"
    )

    for arm in protocol.Arm.labels:
        assert str(arm) not in records
    assert "Dexamethasone" not in records and "→" not in records


def test_a_query_names_the_field_by_its_label_on_the_review_page_and_the_list(
    client, patient_a, data_manager
):
    query_raise(
        user=data_manager,
        record=Screening.objects.get(patient=patient_a),
        field_name="marrow_blasts_pct",
        text="32% here, 23% in the pathology report?",
    )
    client.force_login(data_manager)

    review = client.get("/patients/03-001/review/").content.decode()
    listed = client.get("/review/queries/").content.decode()

    for html in (review, listed):
        assert "Marrow blasts (%): 32% here, 23% in the pathology report?" in html
        assert "marrow_blasts_pct" not in html


def test_the_audit_trail_shows_labels_and_formatted_values(
    client, patient_a, coordinator, frozen_today
):
    screening_update(
        patient=patient_a,
        user=coordinator,
        reason="Relapse date read again from the marrow report",
        changes={
            "disease_status": protocol.DiseaseStatus.PRIMARY_REFRACTORY.value,
            "disease_status_on": dt.date(2025, 2, 18),
            "prior_allo_hsct": True,
        },
        answers=all_criteria_met(),
    )
    client.force_login(coordinator)

    html = client.get("/patients/03-001/history/").content.decode()

    history = _between(html, 'id="history"', "</table>")
    assert "Criterion answer: Acute promyelocytic leukaemia (APL)" in history
    assert "Answer: — → No" in history
    assert "Created" in history and "Changed" in history
    refractory = protocol.DiseaseStatus.PRIMARY_REFRACTORY.label
    assert f"{protocol.DiseaseStatus.FIRST_RELAPSE.label} → {refractory}" in history
    assert "20/02/2025 → 18/02/2025" in history
    assert "Prior allo-HSCT: No → Yes" in history
    assert "FLT3-ITD: Detected" in history and "NPM1: Not detected" in history
    assert "Relapse date read again from the marrow report" in history
    for code in (
        "EXC_APL",
        "CriterionAnswer",
        "disease_status",
        "prior_allo_hsct",
        "first_relapse",
        "not_detected",
        "<code>",
        "insert",
        "update",
    ):
        assert code not in history, code
    assert not ISO_DATE.search(_changes(history))


def test_the_audit_trail_names_each_kind_of_record_and_its_values_in_words(
    client, course, data_manager
):
    client.force_login(data_manager)

    history = _between(
        client.get("/patients/03-001/history/").content.decode(), 'id="history"', "</table>"
    )

    for shown in (
        '<td data-label="Record">Randomization</td>',
        "Regimen: — → Intensive: amsacrine + cytarabine",
        "Randomized at: — → 05/03/2025 09:00 CET",
        "Regimen: Intensive: amsacrine + cytarabine",  # the stratum's levels
        "Disease status: relapsed",
        '<td data-label="Record">Treatment cycle</td>',
        "Phase: — → Induction",
        "Cycle started on: — → 06/03/2025",
        "Dose reduced: — → No",
        '<td data-label="Record">Response assessment</td>',
        "Category: — → Complete remission (CR)",
        "Assessed on: — → 10/04/2025",
        '<td data-label="Record">Adverse event</td>',
        "CTCAE v5.0 term: — → Sepsis",
        "Serious (SAE): — → Yes",
        "Related to salvage therapy: — → Probable",
        '<td data-label="Record">SAE report</td>',
    ):
        assert shown in history, shown
    for code in (
        "intensive_",
        "regimen: intensive",
        "disease_status",
        "started_on",
        "category",
        "related_to",
        "probable",
        "True",
    ):
        assert code not in history, code
    assert not ISO_DATE.search(_changes(history))


@pytest.mark.parametrize("typed", ["Marrow blasts (%)", "marrow blasts (%)", "marrow_blasts_pct"])
def test_a_query_is_raised_on_a_field_named_as_the_form_names_it(
    client, patient_a, data_manager, typed
):
    screening = Screening.objects.get(patient=patient_a)
    client.force_login(data_manager)

    page = client.post(
        "/patients/03-001/review/query/",
        {
            "record": f"{ContentType.objects.get_for_model(screening).pk}:{screening.pk}",
            "field_name": typed,
            "text": "32% here, 23% in the pathology report?",
        },
    )

    assert page.status_code == 302
    assert DataQuery.objects.get().field_name == "marrow_blasts_pct"


def test_the_review_page_names_an_adverse_event_by_its_term_in_french(
    client, ic_patient, coordinator, data_manager
):
    record_adverse_event(
        ic_patient, coordinator, dt.date(2025, 3, 20), term="Anemia", serious=False
    )
    data_manager.language = "fr"
    data_manager.save(update_fields=["language"])
    client.force_login(data_manager)

    html = client.get("/patients/03-001/review/").content.decode()

    records = _between(html, 'id="review-records"', "</table>")
    assert "Anémie (Anemia) · grade 3" in records
