"""A hand-made trial for the CONSORT flow and the DMC report (today is 2 June 2025).

Data cut-off 20 May 2025. Thirteen patients were screened by then at site 03 (and one at
site 07), one more after it:

    screen failures   3 not meeting the criteria (one at site 07), 2 without consent
    eligible          8, randomized on 5 March 2025 except the last (28 May: after the cut-off)
                      in order: dex, dex, control, dex, control, dex, control | control
    D1 dex            cycle with dexamethasone; ended for toxicity; lost to follow-up 1 May
    D2 dex            cycle with dexamethasone; completed; died 30 May (after the cut-off)
    C1 control        cycle without; ended for progression; died 10 May
    D3 dex            cycle WITHOUT dexamethasone (deviation: dex missing)
    C2 control        cycle WITH dexamethasone (deviation: dex given to control); completed
    D4 dex            died 20 March, before any cycle
    C3 control        withdrew consent 25 March, before any cycle
    late              eligible, randomized 28 May (after the cut-off): "other reasons"
    after             screened 25 May: not in the flow at the cut-off
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

import protocol
from demo.trial import DEFAULT_SEED, demo_trial_seed
from patients.models import Patient
from tests.factories import all_criteria_met, screen_patient
from tests.oversight.demo_trial import LOADED_AT
from tests.visits.builders import (
    RANDOMIZED_AT,
    death_values,
    randomize,
    record_cycle,
    record_end_of_treatment,
)
from visits import services as visit_services

CUTOFF = dt.date(2025, 5, 20)
ARMS_IN_ORDER = ["dex", "dex", "control", "dex", "control", "dex", "control", "control"]
EOT = protocol.EndOfTreatmentReason


@dataclass
class HandMadeTrial:
    d1: Patient
    d2: Patient
    c1: Patient
    d3: Patient
    c2: Patient
    d4: Patient
    c3: Patient
    late: Patient
    after: Patient
    failures: list[Patient]


def _failing(code: str) -> dict[str, bool]:
    answers = all_criteria_met()
    answers[code] = not answers[code]
    return answers


@pytest.fixture
def fixed_arms(monkeypatch):
    """The allocation list of the test stratum, in order (the real one is concealed)."""
    blocks = iter([list(ARMS_IN_ORDER)])
    monkeypatch.setattr("randomization.services.permuted_block", lambda rng, design: next(blocks))


@pytest.fixture
def consort_trial(frozen_today, site_a, site_b, coordinator, coordinator_b, fixed_arms):
    failures = [
        screen_patient(site=site_a, user=coordinator, answers=_failing("EXC_APL")),
        screen_patient(site=site_a, user=coordinator, answers=_failing("INC_SALVAGE")),
        screen_patient(site=site_b, user=coordinator_b, answers=_failing("EXC_CNS")),
        screen_patient(site=site_a, user=coordinator, answers=_failing("INC_CONSENT")),
        screen_patient(site=site_a, user=coordinator, answers=_failing("INC_CONSENT")),
    ]
    eligible = [screen_patient(site=site_a, user=coordinator) for _ in range(8)]
    for hour, patient in enumerate(eligible[:7]):
        randomize(patient, coordinator, at=RANDOMIZED_AT + dt.timedelta(hours=hour))
    d1, d2, c1, d3, c2, d4, c3, late = eligible
    randomize(late, coordinator, at=RANDOMIZED_AT.replace(month=5, day=28))
    after = screen_patient(
        site=site_a,
        user=coordinator,
        consent_on=dt.date(2025, 5, 25),
        screened_on=dt.date(2025, 5, 25),
    )
    start, end = dt.date(2025, 3, 6), dt.date(2025, 3, 12)
    for patient in (d1, d2, c1):
        record_cycle(patient, coordinator, start, end)
    record_cycle(d3, coordinator, start, end, dexamethasone_given=False, dexamethasone_mg=None)
    record_cycle(
        c2, coordinator, start, end, dexamethasone_given=True, dexamethasone_mg=Decimal("160")
    )
    ended_on = dt.date(2025, 4, 1)
    record_end_of_treatment(d1, coordinator, ended_on, EOT.TOXICITY)
    record_end_of_treatment(d2, coordinator, ended_on, EOT.COMPLETED)
    record_end_of_treatment(c1, coordinator, ended_on, EOT.PROGRESSION)
    record_end_of_treatment(c2, coordinator, ended_on, EOT.COMPLETED)
    off = visit_services.off_study_record
    off(
        patient=d1,
        user=coordinator,
        values={
            "reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP,
            "event_on": dt.date(2025, 5, 1),
        },
    )
    off(patient=d2, user=coordinator, values=death_values(dt.date(2025, 5, 30)))
    off(patient=c1, user=coordinator, values=death_values(dt.date(2025, 5, 10)))
    off(patient=d4, user=coordinator, values=death_values(dt.date(2025, 3, 20)))
    off(
        patient=c3,
        user=coordinator,
        values={
            "reason": protocol.OffStudyReason.CONSENT_WITHDRAWN,
            "event_on": dt.date(2025, 3, 25),
            "data_use": protocol.WithdrawnDataUse.ALL,
        },
    )
    return HandMadeTrial(d1, d2, c1, d3, c2, d4, c3, late, after, failures)


@pytest.fixture(scope="module")
def demo_trial(django_db_setup, django_db_blocker):
    """A demo trial of 60 patients (tests/oversight/demo_trial.py), loaded once for the test
    file that asks for it and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(LOADED_AT, tick=False):
            demo_trial_seed(patients=60, seed=DEFAULT_SEED)
        yield
        transaction.set_rollback(True)
