"""A patient in intensive induction: randomized on 5 March 2025, cycle 1 from 6 March
(day 1), cycle 2 from 15 April; today is 2 June 2025."""

from __future__ import annotations

import datetime as dt

import pytest

import protocol
from tests.visits.builders import randomize, record_cycle

CYCLE_1_ON = dt.date(2025, 3, 6)
CYCLE_2_ON = dt.date(2025, 4, 15)


@pytest.fixture
def induced_patient(patient_a, coordinator):
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    record_cycle(patient_a, coordinator, CYCLE_1_ON, dt.date(2025, 3, 12))
    record_cycle(patient_a, coordinator, CYCLE_2_ON, dt.date(2025, 4, 19))
    return patient_a
