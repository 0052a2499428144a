"""Errors have one shape across the API: a 400 maps each field (or filter) to its messages;
401, 403 and 404 give a `detail` sentence."""

from __future__ import annotations

import pytest


def _is_field_errors(body: object) -> bool:
    return (
        isinstance(body, dict)
        and bool(body)
        and all(isinstance(messages, list | dict) and messages for messages in body.values())
    )


def test_it_answers_a_refused_screening_with_the_fields_at_fault(coordinator, site_a, api_as):
    response = api_as(coordinator).post("/api/v1/patients/", {"site": 3}, format="json")

    assert response.status_code == 400
    assert _is_field_errors(response.json())
    assert {"sex", "year_of_birth", "answers"} <= set(response.json())


def test_it_answers_a_refused_randomization_with_the_field_at_fault(coordinator, patient_a, api_as):
    response = api_as(coordinator).post(
        f"/api/v1/patients/{patient_a.study_id}/randomize/", {"regimen": "chemo"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["regimen"]
    assert _is_field_errors(response.json())


def test_it_answers_a_malformed_filter_with_the_filter_at_fault(data_manager, api_as):
    response = api_as(data_manager).get("/api/v1/cycles/", {"site": "x", "date_to": "June"})

    assert response.status_code == 400
    assert set(response.json()) == {"site", "date_to"}
    assert _is_field_errors(response.json())


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/patients/03-999/",
        "/api/v1/patients/07-001/",  # another site's patient is not found, not forbidden
        "/api/v1/patients/07-001/history/",
        "/api/v1/cycles/?cursor=not-a-cursor",
        "/api/v1/exports/nothing.csv",
    ],
)
def test_it_answers_404_with_a_detail(url, coordinator, patient_a, patient_b, api_as):
    response = api_as(coordinator).get(url)

    assert response.status_code == 404
    assert list(response.json()) == ["detail"]
    assert isinstance(response.json()["detail"], str)


def test_it_answers_404_to_a_write_about_another_sites_patient(coordinator, patient_b, api_as):
    response = api_as(coordinator).post(
        f"/api/v1/patients/{patient_b.study_id}/randomize/", {"regimen": "intensive"}, format="json"
    )

    assert response.status_code == 404
    assert list(response.json()) == ["detail"]


def test_it_answers_401_and_403_with_a_detail(sponsor, patient_a, api_as):
    anonymous = api_as(None).get("/api/v1/patients/")
    forbidden = api_as(sponsor).post("/api/v1/patients/", {}, format="json")

    assert (anonymous.status_code, list(anonymous.json())) == (401, ["detail"])
    assert (forbidden.status_code, list(forbidden.json())) == (403, ["detail"])
