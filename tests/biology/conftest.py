"""A randomized patient to record biology for (today is 2 June 2025)."""

from __future__ import annotations

import pytest

import protocol
from accounts.models import Role
from tests.factories import UserFactory
from tests.visits.builders import randomize


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, screened on 4 March 2025, randomized on 5 March with intensive salvage."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return patient_a


@pytest.fixture
def monitor(site_a):
    return UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a])
