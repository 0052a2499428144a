"""The all-sites roles read but never write clinical data: every such write of API v1 answers
them 403, before reading the request, and changes nothing. Found from the URLs, so a new write
is covered. The data-review endpoints are left out: raising and closing queries and locking
data are the data manager's own work (tests/review/test_review_api.py)."""

from __future__ import annotations

import re

import pytest

from accounts.apis import LogOutTokenApi, ObtainTokenApi
from patients.models import Patient
from randomization.models import Randomization
from trialsite import api_urls

WRITES = ("post", "put", "patch", "delete")


def _writes(study_id: str) -> list[tuple[str, str]]:
    """Return (method, URL) of every write, with this patient in the URL."""
    values = {"study_id": study_id, "pk": 1, "id": 1, "month": 3}
    found = []
    for pattern in api_urls.urlpatterns:
        view = pattern.callback.view_class
        methods = [method for method in WRITES if hasattr(view, method)]
        if view in (ObtainTokenApi, LogOutTokenApi) or view.__module__ == "review.apis":
            continue
        if not methods:
            continue
        url = "/api/v1/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), str(pattern.pattern)
        )
        found += [(method, url) for method in methods]
    return found


@pytest.mark.parametrize("role", ["sponsor", "data_manager", "statistician"])
def test_it_refuses_every_write_to_a_role_that_only_reads(role, request, patient_a, api_as):
    api = api_as(request.getfixturevalue(role))
    writes = _writes(patient_a.study_id)

    answers = {
        (method, url): getattr(api, method)(url, {}, format="json") for method, url in writes
    }

    assert ("post", "/api/v1/patients/") in answers
    assert ("patch", f"/api/v1/patients/{patient_a.study_id}/") in answers
    assert ("post", f"/api/v1/patients/{patient_a.study_id}/randomize/") in answers
    assert {w: a.status_code for w, a in answers.items()} == dict.fromkeys(writes, 403)
    assert {a.json()["detail"] for a in answers.values()} == {
        "Your role may read these data but not change them."
    }
    assert list(Patient.objects.values_list("study_id", flat=True)) == [patient_a.study_id]
    assert not Randomization.objects.exists()
