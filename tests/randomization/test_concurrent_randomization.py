"""patient_randomize under simultaneous presses: the allocation list stays exactly as drawn.

Coordinators at several sites press "Randomize" at the same moment. Each press runs in its
own thread with its own PostgreSQL connection, as requests do under gunicorn, so the row
locks of the service are what keeps order, not the test. Whatever the interleaving:

- every patient is randomized once, and each slot of the concealed list is used once;
- within a stratum the positions are 1, 2, 3 ... with no gap, and each patient receives the
  arm written in the slot at their position;
- the permuted blocks are used in order, so the difference between the arms never exceeds
  half the largest block at any point, and every completed block is 1:1.

Pressing eight times for the same patient gives one arm; the other seven are told the
patient is already randomized, and no allocation is spent on them.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any

import pytest
from django.db import connection

import protocol
from randomization.design import current_design
from randomization.models import AllocationSlot, Randomization, Stratum
from randomization.services import AlreadyRandomized, patient_randomize
from tests.factories import screen_patient

THREADS = 16
PATIENTS = 200
SAME_PATIENT_PRESSES = 8
# Generous: a thread that is still running after this is stuck on a lock, which is a failure.
JOIN_TIMEOUT_SECONDS = 120


def _run_together(batches: list[list[Any]], act: Callable[[Any], Any]):
    """Run `act` on each item, one thread per batch, every thread starting at the same moment.

    Return (results, errors) gathered from all threads. Each thread uses, and at its end
    closes, its own database connection, like one gunicorn worker per request.
    """
    start = threading.Barrier(len(batches))
    results: list[Any] = []
    errors: list[BaseException] = []
    gathered = threading.Lock()

    def run(batch: Iterable[Any]) -> None:
        try:
            start.wait(timeout=30)
            for item in batch:
                try:
                    outcome = act(item)
                except Exception as exc:
                    with gathered:
                        errors.append(exc)
                else:
                    with gathered:
                        results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a randomization never finished"
    return results, errors


@pytest.fixture
def screened_at_two_sites(site_a, site_b, coordinator, coordinator_b, frozen_today):
    """200 eligible patients, half at each site, each with the regimen chosen for them.

    Alternating regimens at each site gives four strata (2 sites x 2 regimens; all patients
    are in first relapse) of 50 patients each.
    """
    planned = []
    for site, user in ((site_a, coordinator), (site_b, coordinator_b)):
        for i in range(PATIENTS // 2):
            regimen = protocol.Regimen.values[i % len(protocol.Regimen.values)]
            planned.append((screen_patient(site=site, user=user), user, regimen))
    return planned


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_stratum_s_list_whole_when_sixteen_coordinators_press_at_once(
    screened_at_two_sites,
):
    presses = list(screened_at_two_sites)
    random.Random(20250602).shuffle(presses)  # strata interleaved, reproducibly
    batches = [presses[i::THREADS] for i in range(THREADS)]

    randomized, errors = _run_together(
        batches, lambda press: patient_randomize(patient=press[0], user=press[1], regimen=press[2])
    )

    assert errors == []
    assert len(randomized) == PATIENTS

    # Every patient randomized exactly once, in the regimen asked for.
    rows = list(Randomization.objects.select_related("slot", "stratum", "patient"))
    assert len(rows) == PATIENTS
    assert Counter(r.patient_id for r in rows) == Counter(
        patient.pk for patient, _, _ in screened_at_two_sites
    )
    asked = {patient.pk: regimen for patient, _, regimen in screened_at_two_sites}
    assert all(r.regimen == asked[r.patient_id] for r in rows)

    # No slot of the concealed list used twice; each patient got the arm of their slot.
    slot_ids = [r.slot_id for r in rows]
    assert None not in slot_ids
    assert len(set(slot_ids)) == len(slot_ids)
    for r in rows:
        assert r.arm == r.slot.arm
        assert (r.slot.stratum_id, r.slot.sequence) == (r.stratum_id, r.sequence)
        assert r.stratum.levels == {
            "regimen": r.regimen,
            "site": r.patient.site.code,
            "disease_status": "relapsed",
        }

    design = current_design()
    largest_half_block = max(design.block_sizes) // 2
    strata = list(Stratum.objects.all())
    assert len(strata) == 4
    for stratum in strata:
        used = sorted((r for r in rows if r.stratum_id == stratum.pk), key=lambda r: r.sequence)
        # Positions 1..n, with no gap or repeat, and the stratum's counter agrees.
        assert [r.sequence for r in used] == list(range(1, len(used) + 1)), stratum.key
        assert stratum.allocations_used == len(used) == PATIENTS // 4

        # The running difference between the arms stays within half the largest block.
        difference = 0
        for r in used:
            difference += 1 if r.arm == protocol.Arm.DEX else -1
            assert abs(difference) <= largest_half_block, (stratum.key, r.sequence)

        # Blocks were generated whole, in order, and each completed block is 1:1.
        slots = list(AllocationSlot.objects.filter(stratum=stratum).order_by("sequence"))
        assert [s.sequence for s in slots] == list(range(1, len(slots) + 1))
        assert len(slots) - len(used) < max(design.block_sizes)  # at most one block ahead
        used_sequences = {r.sequence for r in used}
        for number, block in groupby(slots, key=lambda s: s.block_number):
            block = list(block)
            assert block[0].block_size in design.block_sizes
            assert len(block) == block[0].block_size, (stratum.key, number)
            arms = Counter(s.arm for s in block)
            assert arms[protocol.Arm.DEX] == arms[protocol.Arm.CONTROL], (stratum.key, number)
            if all(s.sequence in used_sequences for s in block):
                used_arms = Counter(
                    r.arm for r in used if r.sequence in {s.sequence for s in block}
                )
                assert used_arms[protocol.Arm.DEX] == used_arms[protocol.Arm.CONTROL]


@pytest.mark.django_db(transaction=True)
def test_it_gives_one_arm_when_a_patient_is_randomized_eight_times_at_once(patient_a, coordinator):
    presses = [[patient_a] for _ in range(SAME_PATIENT_PRESSES)]

    randomized, errors = _run_together(
        presses,
        lambda patient: patient_randomize(
            patient=patient, user=coordinator, regimen=protocol.Regimen.INTENSIVE
        ),
    )

    assert len(randomized) == 1
    assert len(errors) == SAME_PATIENT_PRESSES - 1
    assert all(type(error) is AlreadyRandomized for error in errors), errors
    assert {error.randomization.pk for error in errors} == {randomized[0].pk}
    assert Randomization.objects.count() == 1
    assert Randomization.objects.get().patient == patient_a
    # The refused presses spent no allocation: the stratum has given exactly one.
    assert list(Stratum.objects.values_list("allocations_used", flat=True)) == [1]
