"""The time-to-event rows derived on columns (endpoints/cohort_derivations.py) equal, patient by
patient, those of the rules in endpoints/datasets.py, on thousands of random patients whose
dates fall on every side of one another and of the cut-off."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

import protocol
from endpoints.cohort import Cohort
from endpoints.cohort_derivations import time_to_event_columns
from endpoints.datasets import Assessment, PatientFacts, time_to_event_rows

CUTOFF = dt.date(2025, 6, 30)
TIMEPOINTS = list(protocol.ResponseTimepoint.values)
CATEGORIES = list(protocol.ResponseCategory.values)


def _maybe(rng: random.Random, start: dt.date, share: float = 0.5) -> dt.date | None:
    return start + dt.timedelta(days=rng.randint(0, 500)) if rng.random() < share else None


def _patient(rng: random.Random, number: int) -> PatientFacts:
    randomized = CUTOFF - dt.timedelta(days=rng.randint(0, 700))
    regimen = rng.choice(list(protocol.Regimen.values))
    assessments = sorted(
        (
            Assessment(
                randomized + dt.timedelta(days=rng.randint(0, 400)),
                rng.choice(CATEGORIES),
                None,
                rng.choice(TIMEPOINTS),
            )
            for _ in range(rng.randint(0, 4))
        ),
        key=lambda a: a.on,
    )
    imported = rng.random() < 0.05
    return PatientFacts(
        study_id=f"01-{number:04d}",
        site="01",
        arm=rng.choice(list(protocol.Arm.values)),
        regimen=regimen,
        disease_status=rng.choice(["relapsed", "refractory"]),
        sex="F",
        age=60,
        randomized_on=randomized,
        contact_dates=[d for d in (_maybe(rng, randomized, 0.8) for _ in range(3)) if d],
        assessments=[] if imported else assessments,
        relapse_dates=[] if imported else [d for d in [_maybe(rng, randomized, 0.2)] if d],
        death_on=_maybe(rng, randomized, 0.4),
        hsct_on=_maybe(rng, randomized, 0.2),
        end_of_treatment_on=None if imported else _maybe(rng, randomized, 0.4),
        left_study_on=None if imported else _maybe(rng, randomized, 0.1),
        imported=imported,
    )


def test_it_derives_every_endpoint_as_the_rules_do_for_random_patients():
    rng = random.Random(17)
    facts = [_patient(rng, i) for i in range(4000)]
    expected = {
        (r.parameter, r.study_id): (r.days, r.event) for r in time_to_event_rows(facts, CUTOFF)
    }
    derived = time_to_event_columns(Cohort.of_facts(facts, CUTOFF))
    got = {
        (parameter, facts[i].study_id): (int(days), int(event))
        for parameter, endpoint in derived.items()
        for i, days, event in zip(endpoint.at, endpoint.days, endpoint.event, strict=True)
    }
    assert got == expected
    # Every kind of row occurs, so the comparison covers each rule.
    events = {(p, e) for (p, _), (_, e) in expected.items()}
    assert events >= {(p, e) for p in ("OS", "EFS", "LFS", "OS_HSCT_CENSORED") for e in (0, 1)}
    assert {("RELAPSE", 0), ("RELAPSE", 1), ("RELAPSE", 2)} <= events
    failures = sum(1 for (p, _), (d, e) in expected.items() if p == "EFS" and e and d == 0)
    assert failures > 100


def test_it_keeps_the_order_and_the_counts_of_the_rows():
    rng = random.Random(3)
    facts = [_patient(rng, i) for i in range(500)]
    derived = time_to_event_columns(Cohort.of_facts(facts, CUTOFF))
    rows = time_to_event_rows(facts, CUTOFF)
    for parameter, endpoint in derived.items():
        mine = [r for r in rows if r.parameter == parameter]
        assert [facts[i].study_id for i in endpoint.at] == [r.study_id for r in mine]
        assert np.array_equal(endpoint.days, [r.days for r in mine])
