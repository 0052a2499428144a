"""A randomized patient in each arm (today is 2 June 2025; randomized on 5 March 2025)."""

from __future__ import annotations

import pytest

from randomization.models import Randomization
from tests.factories import screen_patient
from tests.visits.builders import randomize


@pytest.fixture
def by_arm(site_a, coordinator, frozen_today) -> dict[str, Randomization]:
    """Patients screened at site 3 until one is in each arm (permuted blocks of 2 or 4 give
    both arms within 3 patients)."""
    arms: dict[str, Randomization] = {}
    for _ in range(4):
        randomization = randomize(screen_patient(site=site_a, user=coordinator), coordinator)
        arms.setdefault(randomization.arm, randomization)
        if len(arms) == 2:
            return arms
    pytest.fail("Permuted blocks of 2 or 4 gave four patients the same arm.")


@pytest.fixture
def control(by_arm):
    return by_arm["control"].patient


@pytest.fixture
def dex(by_arm):
    return by_arm["dex"].patient
