"""The cumulative incidence of relapse, death in remission competing, agrees with R to 1e-6.

Reference: R's survival::survfit with a multi-state status (Aalen-Johansen), cross-checked by
cmprsk::cuminc, on tests/data/reference/competing_risks_inputs.csv: ties between a relapse, a
competing death and a censoring on one day, a death on day 0, curves with no competing event,
no relapse or no event at all, and a trial of 240 patients by arm (reference_competing_risks.json).
"""

from __future__ import annotations

import pytest

from endpoints.statistics.cumulative_incidence import (
    COMPETING_DEATH,
    RELAPSE,
    cumulative_incidence,
)
from endpoints.statistics.kaplan_meier import kaplan_meier
from tests.endpoints.r_reference import agree, all_agree, reference, rows

CURVES = reference("reference_competing_risks.json")["curves"]
INPUTS = rows("competing_risks_inputs.csv")
STATES = {RELAPSE: "relapse", COMPETING_DEATH: "death"}


def _curve_data(name: str) -> tuple[list[float], list[int]]:
    """The patients of a curve: 'dataset' or 'dataset:arm'."""
    dataset, _, arm = name.partition(":")
    chosen = [r for r in INPUTS if r["dataset"] == dataset and (not arm or r["arm"] == arm)]
    return [float(r["time"]) for r in chosen], [int(r["status"]) for r in chosen]


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name", list(CURVES))
def test_a_competing_death_is_not_censoring_at_any_time_r_reports(name, state):
    expected = CURVES[name]
    cif = cumulative_incidence(*_curve_data(name), event_of_interest=state)

    table = expected["table"]
    all_agree([cif.at(t) for t in table["time"]], table[f"cif_{STATES[state]}"])


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name", list(CURVES))
def test_it_reads_the_incidence_at_landmarks_as_r_and_cmprsk_do(name, state):
    expected = CURVES[name]["landmarks"]
    cif = cumulative_incidence(*_curve_data(name), event_of_interest=state)

    ours = [cif.at(t) for t in expected["time"]]
    # summary(fit, times=, extend=TRUE): the last value holds past the last follow-up.
    all_agree(ours, expected[f"cif_{STATES[state]}"])
    # cmprsk::cuminc, an independent implementation (NA past its last time; none without events).
    cuminc = expected[f"cuminc_{STATES[state]}"] or [None] * len(ours)
    for value, theirs in zip(ours, cuminc, strict=True):
        if theirs is not None:
            assert agree(value, theirs)


@pytest.mark.parametrize("name", list(CURVES))
def test_the_curve_steps_exactly_at_the_event_days(name):
    """The curve's times are R's times with an event of any kind, after its start at 0."""
    table = CURVES[name]["table"]
    cif = cumulative_incidence(*_curve_data(name))

    with_event = [
        t
        for t, relapses, deaths in zip(
            table["time"], table["n_event_relapse"], table["n_event_death"], strict=True
        )
        if relapses + deaths > 0
    ]
    assert cif.time == [0.0, *with_event]


def test_relapse_and_death_on_one_day_share_the_same_risk_set():
    # Day 5: 16 at risk after a death on day 0; one relapse, one death, one censoring.
    cif = cumulative_incidence(*_curve_data("ties"))
    deaths = cumulative_incidence(*_curve_data("ties"), event_of_interest=COMPETING_DEATH)

    assert cif.at(5) == pytest.approx((16 / 17) * (1 / 16))
    assert deaths.at(5) == pytest.approx(1 / 17 + (16 / 17) * (1 / 16))
    # Every patient ends in one state: the incidences and the event-free share add to one.
    table = CURVES["ties"]["table"]
    for t, free in zip(table["time"], table["event_free"], strict=True):
        assert cif.at(t) + deaths.at(t) + free == pytest.approx(1)


def test_without_a_competing_event_the_incidence_is_one_minus_kaplan_meier():
    durations, codes = _curve_data("no_competing")
    km = kaplan_meier(durations, [int(c == RELAPSE) for c in codes])
    cif = cumulative_incidence(durations, codes)

    for t, surv in zip(km.time, km.surv, strict=True):
        assert cif.at(t) == pytest.approx(1 - surv)


def _by_definition(durations, codes, event_of_interest):
    """The estimate as PROTOCOL.md defines it, one event time after another."""
    times, incidence, survival, cif = [0.0], [0.0], 1.0, 0.0
    for t in sorted({d for d, c in zip(durations, codes, strict=True) if c}):
        at_risk = sum(d >= t for d in durations)
        at_t = [c for d, c in zip(durations, codes, strict=True) if d == t]
        cif += survival * sum(c == event_of_interest for c in at_t) / at_risk
        survival *= 1 - sum(c != 0 for c in at_t) / at_risk
        times.append(float(t))
        incidence.append(cif)
    return times, incidence


@pytest.mark.parametrize("seed", range(40))
def test_the_estimate_over_whole_arrays_equals_the_definition_step_by_step(seed):
    """Computed over sorted arrays at once (a million patients in a fraction of a second),
    the curve is the definition's to the last bit: ties of every kind on one day, whole
    days and fractions, no event at all."""
    import random

    rng = random.Random(seed)
    n = rng.randrange(0, 120)
    durations = [float(rng.randrange(0, rng.randrange(1, 30))) for _ in range(n)]
    if seed % 3 == 0:
        durations = [d + rng.random() for d in durations]
    codes = [0] * n if seed % 7 == 0 else [rng.randrange(0, 3) for _ in range(n)]
    state = RELAPSE if seed % 2 else COMPETING_DEATH

    cif = cumulative_incidence(durations, codes, event_of_interest=state)

    assert (cif.time, cif.incidence) == _by_definition(durations, codes, state)
