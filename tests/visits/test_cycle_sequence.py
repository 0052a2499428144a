"""Treatment cycles follow one another as the regimen plans them.

Cycles are numbered 1, 2, 3... by the system, one is open at a time, each starts after the
previous one ended; intensive salvage (IC) allows 1 induction and up to 3 consolidations;
azacitidine (AZA) cycles last at least 28 days; no cycle starts after the end of treatment.
A refusal names the field and saves nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import at_noon_in_paris, record_cycle, record_end_of_treatment
from visits.models import TreatmentCycle
from visits.services import cycle_update


def _refused(patient, user, started_on, ended_on=None) -> dict[str, list[str]]:
    stored = TreatmentCycle.objects.filter(patient=patient).count()
    with pytest.raises(ValidationError) as refused:
        record_cycle(patient, user, started_on, ended_on)
    assert TreatmentCycle.objects.filter(patient=patient).count() == stored
    return refused.value.message_dict


def test_it_numbers_cycles_without_gaps_induction_then_consolidations(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_cycle(ic_patient, coordinator, dt.date(2025, 4, 10), dt.date(2025, 4, 15))
    record_cycle(ic_patient, coordinator, dt.date(2025, 5, 12))

    cycles = TreatmentCycle.objects.filter(patient=ic_patient).order_by("number")
    assert [(c.number, c.phase) for c in cycles] == [
        (1, protocol.CyclePhase.INDUCTION),
        (2, protocol.CyclePhase.CONSOLIDATION),
        (3, protocol.CyclePhase.CONSOLIDATION),
    ]


def test_it_numbers_azacitidine_cycles_as_azacitidine_cycles(aza_patient, coordinator):
    cycle = record_cycle(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    assert (cycle.number, cycle.phase) == (1, protocol.CyclePhase.AZACITIDINE)


def test_it_refuses_a_second_cycle_while_the_first_is_open(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6))

    errors = _refused(ic_patient, coordinator, dt.date(2025, 4, 10))

    assert "Cycle 1 is still open" in errors["started_on"][0]


@pytest.mark.parametrize("started_on", [dt.date(2025, 3, 10), dt.date(2025, 3, 12)])
def test_it_refuses_a_cycle_starting_before_the_previous_one_ended(
    ic_patient, coordinator, started_on
):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    errors = _refused(ic_patient, coordinator, started_on)

    assert "must start after cycle 1 ended (12/03/2025)" in errors["started_on"][0]


def test_it_accepts_a_cycle_starting_the_day_after_the_previous_one_ended(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    cycle = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 13))

    assert cycle.number == 2


def test_it_refuses_a_correction_that_makes_a_cycle_overlap_the_next(ic_patient, coordinator):
    first = record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_cycle(ic_patient, coordinator, dt.date(2025, 4, 10), dt.date(2025, 4, 15))

    with pytest.raises(ValidationError) as refused:
        cycle_update(
            cycle=first,
            user=coordinator,
            values={"ended_on": dt.date(2025, 4, 11)},
            version=first.version,
            reason="End date corrected",
        )

    assert (
        "Must be before cycle 2 started (10/04/2025)" in refused.value.message_dict["ended_on"][0]
    )
    first.refresh_from_db()
    assert first.ended_on == dt.date(2025, 3, 12)


def test_it_allows_intensive_salvage_one_induction_and_three_consolidations(
    ic_patient, coordinator
):
    for month in (3, 4, 5):
        record_cycle(ic_patient, coordinator, dt.date(2025, month, 6), dt.date(2025, month, 12))
    record_cycle(ic_patient, coordinator, dt.date(2025, 5, 20), dt.date(2025, 5, 26))

    errors = _refused(ic_patient, coordinator, dt.date(2025, 5, 28))

    assert "allows 4 cycles (1 induction and up to 3 consolidations)" in errors["started_on"][0]
    assert TreatmentCycle.objects.filter(patient=ic_patient).count() == 4


def test_it_refuses_an_azacitidine_cycle_less_than_28_days_after_the_previous_start(
    aza_patient, coordinator
):
    record_cycle(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    # 2 April is day 27 after the start on 6 March.
    errors = _refused(aza_patient, coordinator, dt.date(2025, 4, 2))

    assert "cannot start before 03/04/2025" in errors["started_on"][0]


def test_it_accepts_an_azacitidine_cycle_exactly_28_days_after_the_previous_start(
    aza_patient, coordinator
):
    record_cycle(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    cycle = record_cycle(aza_patient, coordinator, dt.date(2025, 4, 3))

    assert cycle.number == 2


def test_it_lets_azacitidine_cycles_go_on_beyond_four(aza_patient, coordinator):
    starts = [dt.date(2025, 3, 6) + dt.timedelta(days=28 * n) for n in range(5)]
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 7, 10)), tick=False):
        for start in starts:
            record_cycle(aza_patient, coordinator, start, start + dt.timedelta(days=6))

    numbers = list(aza_patient.cycles.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]


def test_it_refuses_a_cycle_after_the_end_of_treatment(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(
        ic_patient, coordinator, dt.date(2025, 3, 20), protocol.EndOfTreatmentReason.TOXICITY
    )

    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 25))

    assert "no cycle can start after the end of treatment" in errors["started_on"][0]


def test_it_refuses_a_cycle_ending_after_the_end_of_treatment(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))

    # Starts before the end of treatment (20 March), but ends after it.
    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 15), dt.date(2025, 3, 25))

    assert "ended_on" in errors


def test_it_refuses_a_cycle_still_running_after_the_end_of_treatment(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 20))

    # The end of treatment is refused while a cycle is open; an open cycle is refused after it.
    errors = _refused(ic_patient, coordinator, dt.date(2025, 3, 15))

    assert "ended_on" in errors
