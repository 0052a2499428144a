"""The blood-count API: a coordinator records a count (refused with the field's reason
outside the plausible range), corrects it with the version read and a reason for change."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from labs.models import BloodCount
from tests.labs.builders import count_values


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _json(values: dict) -> dict:
    return {k: (str(v) if v is not None else None) for k, v in values.items()}


def test_a_coordinator_records_and_corrects_a_count(induced_patient, coordinator):
    api = _api(coordinator)
    url = f"/api/v1/patients/{induced_patient.study_id}/blood-counts/"
    values = _json(count_values(1, dt.date(2025, 3, 20)))

    refused = api.post(url, {**values, "platelets": "15000"}, format="json")
    assert refused.status_code == 400
    assert "outside the plausible range of 0 to 2000 ×10⁹/L" in str(refused.json())
    assert not BloodCount.objects.exists()

    created = api.post(url, values, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["cycle_number"], created.json()["anc"]) == (1, "0.20")

    count_url = f"{url}{created.json()['id']}/"
    no_reason = api.patch(count_url, {"anc": "0.3", "version": 1}, format="json")
    assert no_reason.status_code == 400
    corrected = api.patch(count_url, {"anc": "0.3", "version": 1, "reason": "Typo"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["version"] == 2
    stale = api.patch(count_url, {"anc": "0.4", "version": 1, "reason": "x"}, format="json")
    assert stale.status_code in (400, 409)
