"""Review staff and randomized patients for the data-review tests (today is 2 June 2025).

patient_a is screened on 4 March 2025 at site 03 and randomized the next morning; the
monitor and the investigator of the other site (07) see nothing of it.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

import protocol
from accounts.models import Role
from tests.factories import UserFactory
from tests.visits.builders import randomize


@pytest.fixture
def monitor(site_a):
    return UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a])


@pytest.fixture
def monitor_b(site_b):
    return UserFactory(username="mon_b", role=Role.MONITOR, sites=[site_b])


@pytest.fixture
def investigator_b(site_b):
    return UserFactory(username="inv_b", role=Role.INVESTIGATOR, sites=[site_b])


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 to intensive salvage (amsacrine-cytarabine)."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return patient_a


@pytest.fixture
def signing_request(rf: RequestFactory):
    """The request a signature is posted with: authenticate() and the lockout need one."""
    return rf.post("/patients/03-001/review/sign/")
