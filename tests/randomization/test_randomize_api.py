"""POST /api/v1/patients/{study_id}/randomize/ as a site's system calls it.

A coordinator's system sends the salvage regimen and receives the arm, the stratum and the
position in it (201). Asking again never gives a second arm: the answer is 409 with the
allocation already made. A bad regimen or a screen failure is answered 400 with the reason
under the field it is about, and nothing is allocated. Another site's patient does not exist
for a coordinator (404, as for a study ID never given); a sponsor sees every patient but may
not randomize (403).

patient_a is 03-001 (site 3, where coord_a works); patient_b is 07-001.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

import protocol
from randomization.models import AllocationSlot, Randomization
from tests.factories import PASSWORD, all_criteria_met, screen_patient


def _randomize_url(study_id: str) -> str:
    return f"/api/v1/patients/{study_id}/randomize/"


def _logged_in(username: str) -> APIClient:
    """Return a client holding the token the API gave for this account's password."""
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


@pytest.fixture
def coordinator_api(coordinator) -> APIClient:
    return _logged_in(coordinator.username)


def test_it_answers_201_with_the_arm_and_the_stratum_but_not_the_position(
    coordinator_api, coordinator, patient_a
):
    response = coordinator_api.post(
        _randomize_url("03-001"), {"regimen": "intensive"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["study_id"] == "03-001"
    assert body["arm"] in protocol.Arm.values
    assert body["regimen"] == "intensive"
    assert body["stratum"] == "Intensive: amsacrine + cytarabine · site 03 · relapsed"
    assert body["stratum_levels"] == {
        "regimen": "intensive",
        "site": "03",
        "disease_status": "relapsed",
    }
    # The position in the stratum helps guess the next arm in a small stratum: sites never
    # see it.
    assert "sequence" not in body
    assert body["method"] == "blocks"
    assert body["randomized_by"] == f"staff-{coordinator.pk}"  # no full name: the staff ID
    saved = Randomization.objects.get(patient=patient_a)
    assert saved.arm == body["arm"] == saved.slot.arm


def test_it_answers_409_with_the_existing_allocation_when_asked_again(coordinator_api, patient_a):
    first = coordinator_api.post(_randomize_url("03-001"), {"regimen": "intensive"}, format="json")

    again = coordinator_api.post(
        _randomize_url("03-001"), {"regimen": "azacitidine"}, format="json"
    )

    assert first.status_code == 201
    assert again.status_code == 409
    assert "already randomized" in again.json()["detail"]
    assert again.json()["randomization"] == first.json()
    assert Randomization.objects.count() == 1


def test_it_answers_400_under_regimen_for_a_regimen_not_in_the_protocol(coordinator_api, patient_a):
    response = coordinator_api.post(
        _randomize_url("03-001"), {"regimen": "venetoclax"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"regimen"}
    assert not Randomization.objects.exists()
    assert not AllocationSlot.objects.exists()


def test_it_answers_400_under_patient_for_a_screen_failure(
    coordinator_api, site_a, coordinator, frozen_today
):
    failure = screen_patient(
        site=site_a, user=coordinator, answers={**all_criteria_met(), "EXC_APL": True}
    )

    response = coordinator_api.post(
        _randomize_url(failure.study_id), {"regimen": "intensive"}, format="json"
    )

    assert response.status_code == 400
    assert "screen failure" in response.json()["patient"][0]
    assert not Randomization.objects.exists()
    assert not AllocationSlot.objects.exists()


@pytest.mark.parametrize("study_id", ["07-001", "03-999"], ids=["other-site", "unknown"])
def test_it_answers_404_for_another_site_s_patient_as_for_an_unknown_one(
    coordinator_api, patient_a, patient_b, study_id
):
    response = coordinator_api.post(
        _randomize_url(study_id), {"regimen": "intensive"}, format="json"
    )

    assert response.status_code == 404
    assert not Randomization.objects.exists()


def test_it_answers_403_to_a_sponsor(sponsor, patient_a):
    response = _logged_in(sponsor.username).post(
        _randomize_url("03-001"), {"regimen": "intensive"}, format="json"
    )

    assert response.status_code == 403
    assert not Randomization.objects.exists()
