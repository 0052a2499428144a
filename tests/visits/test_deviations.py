"""Dexamethasone against the arm is a protocol deviation: recorded, listed, never blocking.

DEX patients receive dexamethasone with every cycle; CONTROL patients receive none. A cycle
that departs from this is saved as entered, and the system records the deviation; when a
correction of the cycle removes the cause, the deviation is kept, marked corrected.

The arm is random: each test screens patients at site 3 until it has one in each arm
(permuted blocks of 2 or 4 within the stratum give both arms within 3 patients).
"""

from __future__ import annotations

import datetime as dt

import pytest

import protocol
from randomization.models import Randomization
from tests.factories import screen_patient
from tests.visits.builders import contradicts_arm, cycle_values, follows_arm, randomize
from visits.models import ProtocolDeviation, TreatmentCycle
from visits.selectors import open_deviations
from visits.services import cycle_record, cycle_update

Kind = ProtocolDeviation.Kind


@pytest.fixture
def one_patient_per_arm(site_a, coordinator, frozen_today) -> dict[str, Randomization]:
    by_arm: dict[str, Randomization] = {}
    for _ in range(4):
        patient = screen_patient(site=site_a, user=coordinator)
        randomization = randomize(patient, coordinator)
        by_arm.setdefault(randomization.arm, randomization)
        if len(by_arm) == 2:
            return by_arm
    pytest.fail("Permuted blocks of 2 or 4 gave four patients the same arm.")


def _first_cycle(randomization: Randomization, user, dexamethasone) -> TreatmentCycle:
    values = cycle_values(randomization, dt.date(2025, 3, 6), dt.date(2025, 3, 12), **dexamethasone)
    return cycle_record(patient=randomization.patient, user=user, values=values).record


def test_it_records_a_deviation_when_a_control_patient_receives_dexamethasone(
    one_patient_per_arm, coordinator
):
    control = one_patient_per_arm[protocol.Arm.CONTROL]

    cycle = _first_cycle(control, coordinator, contradicts_arm(control))

    assert TreatmentCycle.objects.filter(pk=cycle.pk, dexamethasone_given=True).exists()
    deviation = ProtocolDeviation.objects.get(patient=control.patient)
    assert (deviation.cycle, deviation.kind, deviation.corrected_at) == (
        cycle,
        Kind.DEX_GIVEN_TO_CONTROL,
        None,
    )
    assert deviation.description == (
        "Cycle 1 started 06/03/2025: dexamethasone given in the control arm."
    )


def test_it_records_a_deviation_when_a_dexamethasone_patient_does_not_receive_it(
    one_patient_per_arm, coordinator
):
    dex = one_patient_per_arm[protocol.Arm.DEX]

    cycle = _first_cycle(dex, coordinator, contradicts_arm(dex))

    assert TreatmentCycle.objects.filter(pk=cycle.pk, dexamethasone_given=False).exists()
    deviation = ProtocolDeviation.objects.get(patient=dex.patient)
    assert (deviation.cycle, deviation.kind, deviation.corrected_at) == (
        cycle,
        Kind.DEX_MISSING,
        None,
    )


def test_it_records_no_deviation_when_the_cycle_follows_the_arm(one_patient_per_arm, coordinator):
    for randomization in one_patient_per_arm.values():
        _first_cycle(randomization, coordinator, follows_arm(randomization))

    assert TreatmentCycle.objects.count() == 2
    assert not ProtocolDeviation.objects.exists()


def test_it_lists_open_deviations_at_the_visible_sites(
    one_patient_per_arm, coordinator, coordinator_b, data_manager
):
    for randomization in one_patient_per_arm.values():
        _first_cycle(randomization, coordinator, contradicts_arm(randomization))

    assert {d.kind for d in open_deviations(coordinator)} == {
        Kind.DEX_MISSING,
        Kind.DEX_GIVEN_TO_CONTROL,
    }
    assert open_deviations(data_manager).count() == 2
    assert not open_deviations(coordinator_b).exists()


def test_it_marks_the_deviation_corrected_when_the_cycle_is_corrected(
    one_patient_per_arm, coordinator, frozen_today
):
    control = one_patient_per_arm[protocol.Arm.CONTROL]
    cycle = _first_cycle(control, coordinator, contradicts_arm(control))

    cycle_update(
        cycle=cycle,
        user=coordinator,
        values=follows_arm(control),
        version=cycle.version,
        reason="Dexamethasone was entered in the wrong patient",
    )

    deviation = ProtocolDeviation.objects.get(cycle=cycle)
    assert deviation.corrected_at is not None
    assert deviation.corrected_at.date() == frozen_today
    assert not open_deviations(coordinator).exists()


def test_it_reopens_the_deviation_when_a_later_correction_brings_the_cause_back(
    one_patient_per_arm, coordinator
):
    dex = one_patient_per_arm[protocol.Arm.DEX]
    cycle = _first_cycle(dex, coordinator, contradicts_arm(dex))
    cycle = cycle_update(
        cycle=cycle,
        user=coordinator,
        values=follows_arm(dex),
        version=cycle.version,
        reason="Dose found in the nursing chart",
    ).record

    cycle_update(
        cycle=cycle,
        user=coordinator,
        values=contradicts_arm(dex),
        version=cycle.version,
        reason="Chart belonged to another cycle",
    )

    deviation = ProtocolDeviation.objects.get(cycle=cycle)
    assert (deviation.kind, deviation.corrected_at) == (Kind.DEX_MISSING, None)


def test_it_shows_the_deviation_on_the_patient_page(client, one_patient_per_arm, coordinator):
    dex = one_patient_per_arm[protocol.Arm.DEX]
    _first_cycle(dex, coordinator, contradicts_arm(dex))
    client.force_login(coordinator)

    page = client.get(f"/patients/{dex.patient.study_id}/")

    assert page.status_code == 200
    assert 'id="deviations"' in page.text
    assert (
        "Cycle 1 started 06/03/2025: dexamethasone not given in the dexamethasone arm." in page.text
    )
