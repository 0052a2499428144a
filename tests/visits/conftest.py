"""Randomized patients to record treatment and follow-up for (today is 2 June 2025)."""

from __future__ import annotations

import pytest

import protocol
from tests.visits.builders import randomize


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 with intensive salvage (amsacrine-cytarabine)."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return patient_a


@pytest.fixture
def aza_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 with azacitidine salvage."""
    randomize(patient_a, coordinator, protocol.Regimen.AZACITIDINE)
    return patient_a
