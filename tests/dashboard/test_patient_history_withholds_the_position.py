"""A patient's audit trail never tells a site, or any blinded reader, the patient's position
in their stratum (the allocation's sequence number): with blocks of 2 and 4, a site that
knows its patients' positions can guess the next arm. Only the unblinded roles (the trial
statistician, the data monitoring committee) read it, on the History page and in the API,
as in the randomizations list (randomization.blinding).
"""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from audit.reading import field_label
from randomization.models import Randomization
from tests.visits.builders import randomize

HISTORY_PAGE = "/patients/03-001/history/"
HISTORY_API = "/api/v1/patients/03-001/history/"
BLINDED = ("coordinator", "investigator", "data_manager", "sponsor")
UNBLINDED = ("statistician", "dmc")


@pytest.fixture
def randomized(patient_a, coordinator):
    randomize(patient_a, coordinator)
    return patient_a


def _randomization_changes(user) -> dict:
    api = APIClient()
    _, token = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(HISTORY_API)
    assert response.status_code == 200
    entries = [e for e in response.json() if e["record"] == "Randomization"]
    assert len(entries) == 1  # the allocation is in the trail, whoever reads it
    return entries[0]["changes"]


@pytest.mark.parametrize("role", BLINDED)
def test_a_blinded_reader_gets_the_randomization_without_its_position(role, request, randomized):
    changes = _randomization_changes(request.getfixturevalue(role))

    assert "sequence" not in changes
    assert "regimen" in changes and "randomized_at" in changes


@pytest.mark.parametrize("role", UNBLINDED)
def test_the_unblinded_roles_read_the_position(role, request, randomized):
    changes = _randomization_changes(request.getfixturevalue(role))

    sequence = Randomization.objects.get(patient=randomized).sequence
    assert changes["sequence"] == [None, sequence]


def _randomization_row(client) -> str:
    """The History page's row of the randomization (the patient has a 'sequence' of their
    own, their number at the site, in the screening's rows)."""
    html = client.get(HISTORY_PAGE).content.decode()
    rows = re.findall(r"<tr>.*?</tr>", html.split('id="history"', 1)[1], flags=re.S)
    regimen = f"{field_label(Randomization, 'regimen')}:"
    found = [row for row in rows if regimen in row]
    assert len(found) == 1
    return found[0]


def test_the_history_page_shows_the_coordinator_the_randomization_without_its_position(
    client, coordinator, randomized
):
    client.force_login(coordinator)

    row = _randomization_row(client)

    assert f"{field_label(Randomization, 'sequence')}:" not in row


def test_the_history_page_shows_the_statistician_the_position(client, statistician, randomized):
    client.force_login(statistician)

    row = _randomization_row(client)

    sequence = Randomization.objects.get(patient=randomized).sequence
    assert f"{field_label(Randomization, 'sequence')}: — → {sequence}" in row
