"""A creating request sent twice creates one record (issue 12 item 7: identical POSTs made
duplicates). The API takes an Idempotency-Key header; the coordinators' forms carry a
one-time token, so a double click or a resend lands on the first save's result."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

import protocol
from accounts.models import Role
from idempotency.models import IdempotentRequest
from idempotency.services import idempotent_requests_expire
from patients import rules
from patients.models import Patient
from randomization.models import Randomization
from review.models import DataQuery
from tests.factories import ScreeningValuesFactory, UserFactory, all_criteria_met
from tests.visits.builders import (
    adverse_event_values,
    randomize,
    record_cycle,
    response_values,
)
from visits.models import AdverseEvent, ResponseAssessment, TreatmentCycle

PATIENTS = "/api/v1/patients/"
CYCLES = "/api/v1/patients/03-001/cycles/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _screening_body() -> dict:
    return {
        "site": 3,
        "sex": "F",
        "year_of_birth": 1960,
        "answers": all_criteria_met(),
        **ScreeningValuesFactory(),
    }


def _cycle_body(randomization: Randomization, **changes) -> dict:
    dex = randomization.arm == protocol.DEXAMETHASONE_ARM
    return {
        "started_on": "2025-03-06",
        "ended_on": "2025-03-12",
        "amsacrine_mg_m2": "450",
        "cytarabine_mg_m2": "3000",
        "dexamethasone_given": dex,
        "dexamethasone_mg": "160" if dex else None,
        **changes,
    }


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 with intensive salvage."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return patient_a


# --- API: the Idempotency-Key header ------------------------------------------------------


def test_it_answers_a_resent_cycle_with_the_first_answer_and_records_it_once(
    ic_patient, coordinator
):
    api, key = _api(coordinator), str(uuid.uuid4())
    body = _cycle_body(ic_patient.randomization)

    first = api.post(CYCLES, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(CYCLES, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TreatmentCycle.objects.filter(patient=ic_patient).count() == 1


def test_it_refuses_the_same_key_with_another_body(ic_patient, coordinator):
    api, key = _api(coordinator), str(uuid.uuid4())
    api.post(CYCLES, _cycle_body(ic_patient.randomization), format="json", HTTP_IDEMPOTENCY_KEY=key)

    other = api.post(
        CYCLES,
        _cycle_body(ic_patient.randomization, ended_on="2025-03-13"),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert other.status_code == 422
    assert "already used for a different request" in other.json()["detail"]
    assert TreatmentCycle.objects.filter(patient=ic_patient).count() == 1


def test_a_refusal_is_not_kept_so_the_corrected_request_goes_through_with_its_key(
    ic_patient, coordinator
):
    api, key = _api(coordinator), str(uuid.uuid4())
    wrong = _cycle_body(ic_patient.randomization, cytarabine_mg_m2=None, azacitidine_mg_m2="75")

    refused = api.post(CYCLES, wrong, format="json", HTTP_IDEMPOTENCY_KEY=key)
    corrected = api.post(
        CYCLES, _cycle_body(ic_patient.randomization), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert TreatmentCycle.objects.filter(patient=ic_patient).count() == 1


def test_a_resent_randomization_gets_the_same_allocation_not_a_409(patient_a, coordinator):
    api, key = _api(coordinator), str(uuid.uuid4())
    url = "/api/v1/patients/03-001/randomize/"

    first = api.post(url, {"regimen": "intensive"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(url, {"regimen": "intensive"}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Randomization.objects.count() == 1


def test_keys_belong_to_their_user(site_a, coordinator, frozen_today):
    colleague = UserFactory(username="coord_a2", role=Role.COORDINATOR, sites=[site_a])
    key = "shared-key-1"

    for user in (coordinator, colleague):
        response = _api(user).post(
            PATIENTS, _screening_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 201, response.content

    assert Patient.objects.count() == 2


def test_it_refuses_a_malformed_key(site_a, coordinator, frozen_today):
    response = _api(coordinator).post(
        PATIENTS, _screening_body(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Patient.objects.exists()


def test_an_answer_is_kept_for_24_hours(site_a, coordinator, frozen_today):
    api, key = _api(coordinator), str(uuid.uuid4())
    api.post(PATIENTS, _screening_body(), format="json", HTTP_IDEMPOTENCY_KEY=key)

    with time_machine.travel(dt.datetime(2025, 6, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        within = api.post(PATIENTS, _screening_body(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    with time_machine.travel(dt.datetime(2025, 6, 3, 10, 1, tzinfo=dt.UTC), tick=False):
        assert idempotent_requests_expire() == 1

    assert within["Idempotent-Replayed"] == "true"
    assert Patient.objects.count() == 1
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_duplicates_sent_at_the_same_moment_make_one_record(site_a, coordinator, frozen_today):
    key, presses = str(uuid.uuid4()), 6
    start = threading.Barrier(presses)
    answers: list = []

    def press() -> None:
        try:
            start.wait(timeout=30)
            answers.append(
                _api(coordinator).post(
                    PATIENTS, _screening_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
                )
            )
        finally:
            connection.close()  # each press had its own connection, as under gunicorn

    threads = [threading.Thread(target=press) for _ in range(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == presses
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.content for answer in answers}) == 1
    assert Patient.objects.count() == 1


def test_the_api_document_states_the_header_on_creating_posts(client):
    document = client.get("/api/schema/?format=json").json()

    def headers(path: str) -> set[str]:
        parameters = document["paths"][path]["post"].get("parameters", [])
        return {p["name"] for p in parameters if p["in"] == "header"}

    for path in (
        PATIENTS,
        "/api/v1/patients/{study_id}/randomize/",
        "/api/v1/patients/{study_id}/cycles/",
        "/api/v1/patients/{study_id}/responses/",
        "/api/v1/patients/{study_id}/adverse-events/",
        "/api/v1/patients/{study_id}/queries/",
    ):
        assert "Idempotency-Key" in headers(path), path
    assert "Idempotency-Key" in document["info"]["description"]


# --- Pages: the one-time form token -------------------------------------------------------


def _sent_twice(client, page: str, data: dict, *, to: str | None = None):
    """Open the form, then send it twice with its token, as a double click does."""
    html = client.get(page).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', html)
    assert token, f"{page} has no one-time token"
    data = {**data, "form_token": token.group(1)}
    first = client.post(to or page, data)
    second = client.post(to or page, data, follow=True)
    return first, second


def _landed_on_the_first_result(first, second) -> None:
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.redirect_chain[0] == (first.url, 302)
    shown = [str(m) for m in second.context["messages"]]
    assert "This form had already been sent and saved; it was not saved a second time." in shown


def _form_values(values: dict) -> dict:
    """A service's values as the page's form posts them (a checkbox left out when false)."""
    posted = {}
    for name, value in values.items():
        if value is True:
            posted[name] = "on"
        elif value is None or value is False:
            continue
        else:
            posted[name] = str(value)
    return posted


def test_a_double_submitted_screening_creates_one_patient(client, site_a, coordinator):
    client.force_login(coordinator)
    values = ScreeningValuesFactory()
    mutations = values.pop("mutations")
    data = {"site": "3", "sex": "F", "year_of_birth": "1960", **_form_values(values)}
    data["prior_allo_hsct"] = "false"
    data.update(
        {rules.criterion_field(c): "yes" if met else "no" for c, met in all_criteria_met().items()}
    )
    data.update(
        {rules.mutation_field(g): mutations.get(g, "not_tested") for g in protocol.MUTATION_GENES}
    )

    with time_machine.travel(dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        first, second = _sent_twice(client, "/screening/new/", data)

    _landed_on_the_first_result(first, second)
    assert Patient.objects.count() == 1


def test_a_double_submitted_randomization_draws_once(client, patient_a, coordinator):
    client.force_login(coordinator)

    first, second = _sent_twice(
        client,
        "/patients/03-001/randomize/",
        {"regimen": "intensive", "confirm_eligible": "on"},
    )

    _landed_on_the_first_result(first, second)
    assert Randomization.objects.count() == 1


@pytest.mark.parametrize("kind", ["cycles", "responses", "adverse-events"])
def test_a_double_submitted_record_form_saves_one_record(client, ic_patient, coordinator, kind):
    if kind != "cycles":
        record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    values = {
        "cycles": lambda: _form_values(_cycle_body(ic_patient.randomization, delay_days=0)),
        "responses": lambda: _form_values(
            response_values(dt.date(2025, 4, 2), timepoint="end_of_induction")
        ),
        "adverse-events": lambda: _form_values(
            adverse_event_values(dt.date(2025, 3, 20), ic_patient)
        ),
    }[kind]()
    model = {
        "cycles": TreatmentCycle,
        "responses": ResponseAssessment,
        "adverse-events": AdverseEvent,
    }[kind]
    before = model.objects.count()
    client.force_login(coordinator)

    first, second = _sent_twice(client, f"/patients/03-001/{kind}/new/", values)

    _landed_on_the_first_result(first, second)
    assert model.objects.count() == before + 1


def test_a_double_submitted_query_is_raised_once(client, ic_patient, coordinator, data_manager):
    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    client.force_login(data_manager)
    html = client.get("/patients/03-001/review/").content.decode()
    record = re.search(rf'<option value="(\d+:{cycle.pk})"', html).group(1)

    first, second = _sent_twice(
        client,
        "/patients/03-001/review/",
        {"record": record, "field_name": "cytarabine_mg_m2", "text": "Please check the dose."},
        to="/patients/03-001/review/query/",
    )

    _landed_on_the_first_result(first, second)
    assert DataQuery.objects.filter(field_name="cytarabine_mg_m2").count() == 1


def test_a_form_sent_again_with_other_values_is_not_saved_a_second_time(
    client, ic_patient, coordinator
):
    client.force_login(coordinator)
    html = client.get("/patients/03-001/cycles/new/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', html).group(1)
    cycle = _form_values(_cycle_body(ic_patient.randomization, delay_days=0))
    body = {**cycle, "form_token": token}
    client.post("/patients/03-001/cycles/new/", body)

    again = client.post(
        "/patients/03-001/cycles/new/", {**body, "ended_on": "2025-03-13"}, follow=True
    )

    assert any("the values sent again were not saved" in str(m) for m in again.context["messages"])
    assert TreatmentCycle.objects.get(patient=ic_patient).ended_on == dt.date(2025, 3, 12)


def test_every_creating_page_renders_its_token(client, ic_patient, coordinator):
    client.force_login(coordinator)

    for page in (
        "/screening/new/",
        "/patients/03-001/cycles/new/",
        "/patients/03-001/responses/new/",
        "/patients/03-001/adverse-events/new/",
    ):
        assert 'name="form_token"' in client.get(page).content.decode(), page


def test_the_token_field_is_one_of_a_kind_each_time_the_form_is_shown(
    client, patient_a, coordinator
):
    client.force_login(coordinator)

    tokens = {
        re.search(r'name="form_token" value="(\w+)"', client.get(page).content.decode()).group(1)
        for page in ("/patients/03-001/randomize/", "/patients/03-001/randomize/")
    }

    assert len(tokens) == 2
