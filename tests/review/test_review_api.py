"""The data review through the API follows the pages' rules."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from locks.models import DataLock
from review.models import DataQuery


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _on_screening(patient) -> dict:
    return {
        "record_type": "patients.screening",
        "record_id": patient.screening.pk,
        "field_name": "ecog",
        "text": "ECOG 1 but bedridden in the notes?",
    }


def test_it_runs_a_query_from_raising_to_closing(patient_a, data_manager, coordinator):
    raised = _api(data_manager).post(
        f"/api/v1/patients/{patient_a.study_id}/queries/", _on_screening(patient_a), format="json"
    )
    assert raised.status_code == 201, raised.json()
    query_id = raised.json()["id"]

    answered = _api(coordinator).post(
        f"/api/v1/queries/{query_id}/answer/", {"text": "Checked: ECOG 1 is right."}, format="json"
    )
    closed = _api(data_manager).post(
        f"/api/v1/queries/{query_id}/close/", {"text": "OK"}, format="json"
    )

    assert (answered.status_code, closed.status_code) == (200, 200)
    assert [s["action"] for s in closed.json()["steps"]] == ["raised", "answered", "closed"]
    listed = _api(coordinator).get("/api/v1/queries/").json()["results"]
    assert [q["status"] for q in listed] == ["closed"]


def test_it_refuses_review_steps_to_the_wrong_roles(patient_a, sponsor, coordinator, data_manager):
    assert (
        _api(sponsor)
        .post(
            f"/api/v1/patients/{patient_a.study_id}/queries/",
            _on_screening(patient_a),
            format="json",
        )
        .status_code
        == 403
    )
    query = (
        _api(data_manager)
        .post(
            f"/api/v1/patients/{patient_a.study_id}/queries/",
            _on_screening(patient_a),
            format="json",
        )
        .json()
    )
    assert (
        _api(coordinator)
        .post(f"/api/v1/queries/{query['id']}/close/", {}, format="json")
        .status_code
        == 403
    )
    assert DataQuery.objects.get().status == "open"


def test_it_refuses_a_record_of_another_patient(patient_a, patient_b, data_manager):
    body = {**_on_screening(patient_a), "record_id": patient_b.screening.pk}
    response = _api(data_manager).post(
        f"/api/v1/patients/{patient_a.study_id}/queries/", body, format="json"
    )

    assert response.status_code == 400
    assert "record_id" in response.json()
    assert ContentType.objects.exists() and not DataQuery.objects.exists()


def test_it_locks_and_unlocks_through_the_api(patient_a, data_manager, coordinator):
    locked = _api(data_manager).post(
        "/api/v1/locks/",
        {"study_id": patient_a.study_id, "reason": "Interim cut-off"},
        format="json",
    )
    assert locked.status_code == 201

    refused = _api(coordinator).patch(
        f"/api/v1/patients/{patient_a.study_id}/",
        {"ecog": 2, "version": 1, "reason": "typo"},
        format="json",
    )
    assert refused.status_code == 400
    assert "locked" in str(refused.json())

    lock_id = locked.json()["lock"]
    assert (
        _api(data_manager).post(f"/api/v1/locks/{lock_id}/unlock/", {}, format="json").status_code
        == 400
    )  # a reason is required
    assert (
        _api(data_manager)
        .post(
            f"/api/v1/locks/{lock_id}/unlock/",
            {"text": "Query answered after the cut-off"},
            format="json",
        )
        .status_code
        == 200
    )
    assert DataLock.objects.get().unlock_reason == "Query answered after the cut-off"
    state = _api(coordinator).get(f"/api/v1/patients/{patient_a.study_id}/review/").json()
    assert state["lock"] is None
