"""Coordinators enter treatment and follow-up through the API with the pages' rules."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from randomization.services import patient_randomize
from visits.models import FollowUpVisit, TreatmentCycle

RANDOMIZED_AT = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def randomized(patient_a, coordinator):
    return patient_randomize(
        patient=patient_a, user=coordinator, regimen="intensive", randomized_at=RANDOMIZED_AT
    )


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _cycle(randomized, **changes) -> dict:
    dex = randomized.arm == "dex"
    body = {
        "started_on": "2025-03-06",
        "ended_on": "2025-03-12",
        "amsacrine_mg_m2": "450",
        "cytarabine_mg_m2": "3000",
        "dexamethasone_given": dex,
        "dexamethasone_mg": "160" if dex else None,
    }
    body.update(changes)
    return body


def test_it_records_a_cycle_through_the_service(randomized, coordinator):
    response = _client(coordinator).post(
        "/api/v1/patients/03-001/cycles/", _cycle(randomized), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["number"] == 1
    assert TreatmentCycle.objects.get().phase == "induction"


def test_it_answers_a_protocol_refusal_with_field_errors_and_saves_nothing(randomized, coordinator):
    response = _client(coordinator).post(
        "/api/v1/patients/03-001/cycles/",
        _cycle(randomized, cytarabine_mg_m2=None, azacitidine_mg_m2="75"),
        format="json",
    )

    assert response.status_code == 400
    assert "cytarabine_mg_m2" in response.json()
    assert "azacitidine_mg_m2" in response.json()
    assert not TreatmentCycle.objects.exists()


def test_it_requires_the_version_and_a_reason_to_correct(randomized, coordinator):
    client = _client(coordinator)
    created = client.post(
        "/api/v1/patients/03-001/cycles/", _cycle(randomized), format="json"
    ).json()
    url = f"/api/v1/patients/03-001/cycles/{created['id']}/"

    assert (
        client.patch(
            url, {"delay_days": 2, "modification_note": "Infection", "version": 1}, format="json"
        ).status_code
        == 400
    )
    stale = client.patch(
        url, {"dose_reduced": False, "version": 7, "reason": "typo"}, format="json"
    )
    assert stale.status_code == 400 and "version" in stale.json()
    ok = client.patch(
        url,
        {
            "delay_days": 2,
            "modification_note": "Infection",
            "version": 1,
            "reason": "Delay omitted",
        },
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["version"] == 2


@pytest.mark.parametrize(
    "role_fixture, status", [("sponsor", 403), ("investigator", 403), ("coordinator_b", 404)]
)
def test_it_lets_only_the_sites_coordinator_enter_data(request, randomized, role_fixture, status):
    user = request.getfixturevalue(role_fixture)
    response = _client(user).post(
        "/api/v1/patients/03-001/cycles/", _cycle(randomized), format="json"
    )

    assert response.status_code == status
    assert not TreatmentCycle.objects.exists()


def test_it_records_the_end_of_treatment_and_then_a_visit(randomized, coordinator):
    client = _client(coordinator)
    client.post("/api/v1/patients/03-001/cycles/", _cycle(randomized), format="json")
    eot = client.post(
        "/api/v1/patients/03-001/end-of-treatment/",
        {"ended_on": "2025-03-20", "reason": "investigator"},
        format="json",
    )
    assert eot.status_code == 201, eot.json()
    assert FollowUpVisit.objects.filter(month=3).exists()

    visit = FollowUpVisit.objects.get(month=3)
    early = client.post(
        "/api/v1/patients/03-001/follow-up-visits/M3/",
        {"performed_on": "2025-06-03", "vital_status": "alive", "version": visit.version},
        format="json",
    )
    # frozen today is 2025-06-02: a visit dated tomorrow is refused
    assert early.status_code == 400 and "performed_on" in early.json()
    done = client.post(
        "/api/v1/patients/03-001/follow-up-visits/M3/",
        {
            "performed_on": "2025-06-02",
            "vital_status": "alive",
            "disease_status": "remission",
            "version": visit.version,
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert FollowUpVisit.objects.get(month=3).performed_on == dt.date(2025, 6, 2)
