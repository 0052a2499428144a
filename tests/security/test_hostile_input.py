"""The attack corpus of issue 12 (item 3): hostile input is refused with a 4xx, never a 500,
and nothing is saved.

Each case answered 500 before: an over-long username at log-in, JSON nested 1,000 deep, a
NUL in a study ID, a filter or a text, a lock reason or an unlock text past its column.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

import protocol
from locks.models import DataLock
from review.models import DataQuery, QueryStep
from tests.visits.builders import randomize, record_cycle

DEEP_JSON = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a (03-001), randomized on 5 March 2025 to intensive salvage."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return patient_a


def _page_as(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api_as(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


# --- Anonymous -------------------------------------------------------------------------


def test_it_refuses_a_256_character_username_for_a_token(db):
    answer = APIClient(raise_request_exception=False).post(
        "/api/v1/auth/token/", {"username": "u" * 256, "password": "x"}, format="json"
    )

    assert answer.status_code == 400
    assert "username" in answer.json()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_it_refuses_a_300_character_username_on_the_log_in_pages(db, url):
    page = Client(raise_request_exception=False).post(url, {"username": "u" * 300, "password": "x"})

    assert page.status_code == 200  # the form again, with the error and what was typed
    assert "username" in page.context["form"].errors
    assert page.context["form"]["username"].value() == "u" * 300
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["arrays", "objects"])
def test_it_refuses_json_nested_too_deeply_before_log_in(db, body):
    answer = APIClient(raise_request_exception=False).post(
        "/api/v1/auth/token/", body, content_type="application/json"
    )

    assert answer.status_code == 400
    assert "JSON nested too deeply" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("coordinator", "/api/v1/patients/"),
        ("coordinator", "/api/v1/patients/03-001/randomize/"),
        ("coordinator", "/api/v1/patients/03-001/cycles/"),
        ("data_manager", "/api/v1/patients/03-001/queries/"),
        ("data_manager", "/api/v1/locks/"),
    ],
)
def test_it_refuses_json_nested_too_deeply_on_every_endpoint(role, url, request, ic_patient):
    api = _api_as(request.getfixturevalue(role))

    answer = api.post(url, DEEP_JSON, content_type="application/json")

    assert answer.status_code == 400
    assert "JSON nested too deeply" in answer.json()["detail"]
    assert not DataQuery.objects.exists()
    assert not DataLock.objects.exists()


def test_it_accepts_json_nested_as_deep_as_a_request_needs(ic_patient, coordinator):
    nested = "[" * 64 + "]" * 64

    answer = _api_as(coordinator).post(
        "/api/v1/patients/", {"note": nested, "answers": {}}, format="json"
    )

    assert answer.status_code == 400  # field errors of the screening, not of the JSON
    assert "nested" not in str(answer.json())


# --- NUL and control characters --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/patients/%00/",
        "/api/v1/patients/%00/randomize/",
        "/patients/%00/",
        "/patients/%00/randomize/",
        "/review/queries/?kind=%00",
        "/review/queries/?kind=%01",
        "/api/v1/queries/?site=%00",
        "/worklist/?sort=%1b",
    ],
)
def test_it_refuses_a_control_character_in_the_address(url, ic_patient, data_manager):
    client = _page_as(data_manager)

    answers = [client.get(url), client.post(url)]

    assert [a.status_code for a in answers] == [400, 400]
    assert b"control character" in answers[0].content


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_it_refuses_a_control_character_in_a_query_text(text, ic_patient, data_manager):
    answer = _api_as(data_manager).post(
        f"/api/v1/patients/{ic_patient.study_id}/queries/",
        {
            "record_type": "patients.screening",
            "record_id": ic_patient.screening.pk,
            "field_name": "ecog",
            "text": text,
        },
        format="json",
    )

    assert answer.status_code == 400
    assert list(answer.json()) == ["text"]
    assert not DataQuery.objects.exists()


def test_it_keeps_tabs_and_line_breaks_in_a_query_text(ic_patient, data_manager):
    answer = _api_as(data_manager).post(
        f"/api/v1/patients/{ic_patient.study_id}/queries/",
        {
            "record_type": "patients.screening",
            "record_id": ic_patient.screening.pk,
            "text": "ECOG 1?\r\n\tThe notes say bedridden.",
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    assert DataQuery.objects.get().text == "ECOG 1?\r\n\tThe notes say bedridden."


def test_it_refuses_a_control_character_anywhere_in_a_json_body(ic_patient, coordinator):
    answer = _api_as(coordinator).post(
        "/api/v1/patients/",
        {"site": 3, "mutations": {"FLT3-ITD": "detected\x00"}, "answers": {}},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "mutations": ["Remove the control characters (such as NUL) from this text."]
    }


def test_it_refuses_a_nul_in_a_query_raised_from_the_page(ic_patient, data_manager):
    page = _page_as(data_manager).post(
        f"/patients/{ic_patient.study_id}/review/query/",
        {"record": _screening_token(ic_patient), "text": "a\x00b"},
        follow=True,
    )

    assert page.status_code == 400
    assert "control characters" in " ".join(page.context["typed"].errors)
    assert not DataQuery.objects.exists()


def _screening_token(patient) -> str:
    from django.contrib.contenttypes.models import ContentType

    return f"{ContentType.objects.get_for_model(patient.screening).pk}:{patient.screening.pk}"


# --- Every text bounded -----------------------------------------------------------------


def test_it_refuses_a_lock_reason_past_its_bound(ic_patient, data_manager):
    answer = _api_as(data_manager).post(
        "/api/v1/locks/", {"study_id": ic_patient.study_id, "reason": "r" * 301}, format="json"
    )

    assert answer.status_code == 400
    assert list(answer.json()) == ["reason"]
    assert not DataLock.objects.exists()


def test_it_refuses_an_unlock_text_past_its_bound(ic_patient, data_manager):
    lock = _api_as(data_manager).post(
        "/api/v1/locks/", {"study_id": ic_patient.study_id, "reason": "Cut-off"}, format="json"
    )
    lock_id = lock.json()["lock"]

    by_api = _api_as(data_manager).post(
        f"/api/v1/locks/{lock_id}/unlock/", {"text": "r" * 301}, format="json"
    )
    by_page = _page_as(data_manager).post(
        f"/review/locks/{lock_id}/unlock/", {"reason": "r" * 301}, follow=True
    )

    assert by_api.status_code == 400
    assert list(by_api.json()) == ["text"]
    assert by_page.status_code == 400
    assert "300 characters" in " ".join(by_page.context["typed"].errors)
    assert DataLock.objects.get().active


def test_it_refuses_a_lock_reason_past_its_bound_from_the_page(ic_patient, data_manager):
    page = _page_as(data_manager).post(
        f"/patients/{ic_patient.study_id}/review/lock/", {"reason": "r" * 301}, follow=True
    )

    assert page.status_code == 400
    assert "300 characters" in " ".join(page.context["typed"].errors)
    assert not DataLock.objects.exists()


def test_it_refuses_a_query_text_or_an_answer_of_a_megabyte(ic_patient, data_manager, coordinator):
    raise_url = f"/api/v1/patients/{ic_patient.study_id}/queries/"
    reference = {"record_type": "patients.screening", "record_id": ic_patient.screening.pk}
    huge = _api_as(data_manager).post(
        raise_url, {**reference, "text": "x" * 1_000_000}, format="json"
    )
    raised = _api_as(data_manager).post(raise_url, {**reference, "text": "ECOG?"}, format="json")
    answer = _api_as(coordinator).post(
        f"/api/v1/queries/{raised.json()['id']}/answer/", {"text": "y" * 1001}, format="json"
    )

    assert (huge.status_code, answer.status_code) == (400, 400)
    assert list(answer.json()) == ["text"]
    assert QueryStep.objects.count() == 1  # raised, not answered


def test_the_schema_shows_the_bounds(data_manager):
    schema = _page_as(data_manager).get("/api/schema/?format=json").json()
    schema = schema["components"]["schemas"]

    assert schema["QueryRaiseInputRequest"]["properties"]["text"]["maxLength"] == 1000
    assert schema["LockInputRequest"]["properties"]["reason"]["maxLength"] == 300
    assert schema["PatchedCyclesCorrectionInputRequest"]["properties"]["reason"]["maxLength"] == 300
    assert schema["CyclesEntryInputRequest"]["properties"]["modification_note"]["maxLength"] == 300


# --- The cycles' edit page ------------------------------------------------------------


def test_a_patient_with_two_cycles_has_an_edit_page_for_each(ic_patient, coordinator, frozen_today):
    first = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    second = record_cycle(ic_patient, coordinator, dt.date(2025, 4, 7), dt.date(2025, 4, 13))
    client = _page_as(coordinator)

    pages = [
        client.get(f"/patients/{ic_patient.study_id}/cycles/{c.pk}/edit/") for c in (first, second)
    ]
    without_id = client.get(f"/patients/{ic_patient.study_id}/cycles/edit/")

    assert [p.status_code for p in pages] == [200, 200]
    assert [p.context["instance"] for p in pages] == [first, second]
    assert without_id.status_code == 404
