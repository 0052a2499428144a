"""patient_randomize: only an eligible, screened, not yet randomized patient gets an arm."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

import protocol
from randomization.models import AllocationSlot, Randomization
from randomization.services import (
    AlreadyRandomized,
    NotEligible,
    RandomizationRefused,
    patient_randomize,
)
from tests.factories import all_criteria_met, screen_patient


def test_it_gives_an_eligible_patient_one_arm_in_the_stratum_of_regimen_site_and_status(
    patient_a, coordinator
):
    randomization = patient_randomize(
        patient=patient_a, user=coordinator, regimen=protocol.Regimen.INTENSIVE
    )

    assert randomization.arm in protocol.Arm.values
    assert randomization.stratum.key == "regimen=intensive|site=03|disease_status=relapsed"
    assert randomization.sequence == 1
    assert randomization.slot.sequence == 1
    assert randomization.slot.arm == randomization.arm
    assert randomization.randomized_by == coordinator


def test_it_refuses_a_second_randomization_and_keeps_the_first(patient_a, coordinator):
    first = patient_randomize(
        patient=patient_a, user=coordinator, regimen=protocol.Regimen.AZACITIDINE
    )

    with pytest.raises(AlreadyRandomized) as refused:
        patient_randomize(patient=patient_a, user=coordinator, regimen=protocol.Regimen.INTENSIVE)

    assert refused.value.randomization == first
    assert Randomization.objects.count() == 1


def test_it_refuses_a_screen_failure(site_a, coordinator, frozen_today):
    failure = screen_patient(
        site=site_a, user=coordinator, answers={**all_criteria_met(), "EXC_APL": True}
    )

    with pytest.raises(NotEligible, match="screen failure"):
        patient_randomize(patient=failure, user=coordinator, regimen=protocol.Regimen.INTENSIVE)
    assert not Randomization.objects.exists()
    assert not AllocationSlot.objects.exists()


def test_it_refuses_an_unknown_regimen(patient_a, coordinator):
    with pytest.raises(RandomizationRefused) as refused:
        patient_randomize(patient=patient_a, user=coordinator, regimen="venetoclax")

    assert "regimen" in refused.value.message_dict


def test_it_refuses_a_disease_status_contradicting_the_screening(patient_a, coordinator):
    with pytest.raises(RandomizationRefused) as refused:
        patient_randomize(
            patient=patient_a,
            user=coordinator,
            regimen=protocol.Regimen.INTENSIVE,
            disease_status=protocol.DiseaseStatus.PRIMARY_REFRACTORY,
        )

    assert "first relapse" in refused.value.message_dict["disease_status"][0]


@pytest.mark.parametrize(
    "role_fixture", ["investigator", "data_manager", "sponsor", "coordinator_b"]
)
def test_it_lets_only_a_coordinator_of_the_site_randomize(request, patient_a, role_fixture):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(PermissionDenied):
        patient_randomize(patient=patient_a, user=user, regimen=protocol.Regimen.INTENSIVE)
    assert not Randomization.objects.exists()


def test_it_fills_each_block_one_to_one_before_drawing_the_next(site_a, coordinator, frozen_today):
    patients = [screen_patient(site=site_a, user=coordinator) for _ in range(24)]
    for patient in patients:
        patient_randomize(patient=patient, user=coordinator, regimen=protocol.Regimen.INTENSIVE)

    slots = list(AllocationSlot.objects.order_by("sequence"))
    assert [s.sequence for s in slots[:24]] == list(range(1, 25))
    used = list(Randomization.objects.order_by("sequence").values_list("arm", flat=True))
    assert used == [s.arm for s in slots[:24]]
    blocks: dict[int, list[AllocationSlot]] = {}
    for slot in slots:
        blocks.setdefault(slot.block_number, []).append(slot)
    for block in blocks.values():
        size = block[0].block_size
        assert size in (2, 4)
        assert len(block) == size
        arms = [s.arm for s in block]
        assert arms.count("dex") == arms.count("control")
