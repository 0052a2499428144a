"""A role refused a write is answered 403 before its input is read, on the API and the
pages: an investigator's or a monitor's incomplete write got field errors (400) instead,
telling them which fields to fill in for a write they may never make."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from locks.models import DataLock
from patients.models import Patient
from review.models import DataQuery, SourceVerification
from review.services import query_raise
from tests.factories import UserFactory

READ_ONLY = "Your role may read these data but not change them."

API_WRITES = [
    "/api/v1/patients/",
    "/api/v1/patients/03-001/",
    "/api/v1/patients/03-001/randomize/",
    "/api/v1/patients/03-001/cycles/",
    "/api/v1/patients/03-001/queries/",
    "/api/v1/queries/{query}/close/",
    "/api/v1/queries/{query}/reopen/",
    "/api/v1/locks/",
    "/api/v1/locks/1/unlock/",
]
PAGE_WRITES = [
    "/screening/new/",
    "/patients/03-001/randomize/",
    "/patients/03-001/cycles/new/",
    "/patients/03-001/review/query/",
    "/patients/03-001/review/lock/",
    "/review/queries/{query}/close/",
    "/review/locks/1/unlock/",
]


@pytest.fixture
def monitor(site_a):
    return UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a])


@pytest.fixture
def query(patient_a, data_manager):
    return query_raise(user=data_manager, record=patient_a.screening, text="ECOG?")


# A monitor raises queries at their sites: an incomplete query of theirs gets field errors.
MONITOR_MAY_WRITE = {"/api/v1/patients/03-001/queries/", "/patients/03-001/review/query/"}


def _urls(urls: list[str], query: DataQuery) -> list[str]:
    return [url.format(query=query.pk) for url in urls]


def _expected(role: str, writes: list[str]) -> dict[str, int]:
    return {url: 400 if role == "monitor" and url in MONITOR_MAY_WRITE else 403 for url in writes}


@pytest.mark.parametrize("role", ["investigator", "monitor"])
def test_it_refuses_an_incomplete_api_write_with_403(role, request, query):
    writes = _urls(API_WRITES, query)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(request.getfixturevalue(role))

    answers = {
        url: (api.patch if url.endswith("03-001/") else api.post)(url, {}, format="json")
        for url in writes
    }

    assert {url: a.status_code for url, a in answers.items()} == _expected(role, writes)
    assert {
        a.json()["detail"]
        for url, a in answers.items()
        if "randomize" not in url and a.status_code == 403
    } == {READ_ONLY}
    assert Patient.objects.count() == 1
    assert DataQuery.objects.get() == query
    assert query.steps.count() == 1  # raised, nothing since
    assert not DataLock.objects.exists()


@pytest.mark.parametrize("role", ["investigator", "monitor"])
def test_it_refuses_an_incomplete_page_write_with_403(role, request, query):
    writes = _urls(PAGE_WRITES, query)
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(role))

    answers = {url: client.post(url, {}).status_code for url in writes}

    assert answers == _expected(role, writes)
    assert Patient.objects.count() == 1
    assert DataQuery.objects.get() == query
    assert query.steps.count() == 1  # raised, nothing since
    assert not DataLock.objects.exists()


def test_a_monitor_still_verifies_and_an_investigator_is_refused_it(
    patient_a, monitor, investigator
):
    reference = {"record_type": "patients.screening", "record_id": patient_a.screening.pk}

    def verify(user):
        api = APIClient(raise_request_exception=False)
        api.force_authenticate(user)
        return api.post("/api/v1/patients/03-001/verify/", reference, format="json")

    assert verify(investigator).status_code == 403
    assert verify(monitor).status_code == 201
    assert SourceVerification.objects.count() == 1
