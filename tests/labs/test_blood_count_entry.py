"""A blood count is refused outside its plausible range or outside its cycle's window, and
is saved linked to its cycle; a correction gives a reason and the version read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.records import VersionConflict
from labs import services
from labs.models import BloodCount, Transfusion
from tests.labs.builders import count_values, record_count, record_transfusion
from tests.labs.conftest import CYCLE_1_ON, CYCLE_2_ON
from tests.visits.builders import at_noon_in_paris


def _refusal(patient, user, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        record_count(patient, user, **{"cycle_number": 1, "sampled_on": CYCLE_1_ON, **overrides})
    assert not BloodCount.objects.exists()
    return refused.value.message_dict


def test_it_saves_a_count_linked_to_the_cycle_named(induced_patient, coordinator):
    count = record_count(induced_patient, coordinator, 1, dt.date(2025, 3, 20))

    assert count.cycle.number == 1 and count.cycle.patient == induced_patient
    assert count.version == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "anc",
            Decimal("100.01"),
            "ANC (absolute neutrophil count) (×10⁹/L): 100.01 is "
            "outside the plausible range of 0 to 100 ×10⁹/L. Check the value and its unit.",
        ),
        ("platelets", Decimal("2001"), "outside the plausible range of 0 to 2000 ×10⁹/L"),
        ("haemoglobin", Decimal("81"), "outside the plausible range of 2 to 25 g/dL"),
        ("haemoglobin", Decimal("1.9"), "outside the plausible range of 2 to 25 g/dL"),
        ("wbc", Decimal("501"), "outside the plausible range of 0 to 500 ×10⁹/L"),
        ("peripheral_blasts_pct", Decimal("100.1"), "outside the plausible range of 0 to 100%"),
    ],
)
def test_it_refuses_a_count_outside_its_plausible_range(
    induced_patient, coordinator, field, value, message
):
    errors = _refusal(induced_patient, coordinator, **{field: value})

    assert message in errors[field][0]


def test_it_takes_the_range_limits_themselves(induced_patient, coordinator):
    count = record_count(
        induced_patient,
        coordinator,
        1,
        CYCLE_1_ON,
        anc=Decimal("100"),
        platelets=Decimal("0"),
        haemoglobin=Decimal("25"),
        wbc=Decimal("500"),
        peripheral_blasts_pct=Decimal("100"),
    )
    assert count.pk


def test_it_refuses_a_date_before_the_cycles_start(induced_patient, coordinator):
    errors = _refusal(induced_patient, coordinator, sampled_on=CYCLE_1_ON - dt.timedelta(days=1))

    assert errors["sampled_on"] == [
        "05/03/2025 is outside cycle 1's window (06/03/2025 to 14/04/2025): from the cycle's "
        "start to the day before the next cycle starts (the last cycle: to its day 60)."
    ]


def test_a_count_on_the_next_cycles_first_day_belongs_to_the_next_cycle(
    induced_patient, coordinator
):
    record_count(induced_patient, coordinator, 1, CYCLE_2_ON - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        record_count(induced_patient, coordinator, 1, CYCLE_2_ON)
    assert "outside cycle 1's window" in refused.value.message_dict["sampled_on"][0]

    assert record_count(induced_patient, coordinator, 2, CYCLE_2_ON).cycle.number == 2


def test_the_last_cycle_is_followed_to_its_day_60(induced_patient, coordinator):
    day_60 = CYCLE_2_ON + dt.timedelta(days=59)
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 7, 1)), tick=False):
        assert record_count(induced_patient, coordinator, 2, day_60).pk

        with pytest.raises(ValidationError) as refused:
            record_count(induced_patient, coordinator, 2, day_60 + dt.timedelta(days=1))
    assert "(15/04/2025 to 13/06/2025)" in refused.value.message_dict["sampled_on"][0]


def test_it_refuses_a_cycle_not_recorded(induced_patient, coordinator):
    errors = _refusal(induced_patient, coordinator, cycle_number=3)

    assert errors["cycle_number"] == [
        "Cycle 3 is not recorded for this patient (cycles recorded: 1, 2). Record the cycle first."
    ]


def test_it_refuses_a_second_count_on_the_same_day(induced_patient, coordinator):
    record_count(induced_patient, coordinator, 1, CYCLE_1_ON)

    with pytest.raises(ValidationError) as refused:
        record_count(induced_patient, coordinator, 1, CYCLE_1_ON, anc=Decimal("3"))
    assert "already recorded" in refused.value.message_dict["sampled_on"][0]


def test_a_correction_gives_a_reason_and_the_version_read(induced_patient, coordinator):
    count = record_count(induced_patient, coordinator, 1, CYCLE_1_ON)

    services.blood_count_update(
        count=count, user=coordinator, values={"anc": Decimal("0.3")}, version=1, reason="typo"
    )
    with pytest.raises(VersionConflict):
        services.blood_count_update(
            count=count, user=coordinator, values={"anc": Decimal("0.4")}, version=1, reason="x"
        )
    assert BloodCount.objects.get().anc == Decimal("0.3")


def test_a_coordinator_of_another_site_cannot_enter_counts(induced_patient, coordinator_b):
    with pytest.raises(PermissionDenied):
        services.blood_count_record(
            patient=induced_patient, user=coordinator_b, values=count_values(1, CYCLE_1_ON)
        )


def test_a_transfusion_is_refused_outside_its_cycles_window(induced_patient, coordinator):
    assert record_transfusion(induced_patient, coordinator, 1, CYCLE_1_ON).cycle.number == 1

    with pytest.raises(ValidationError) as refused:
        record_transfusion(induced_patient, coordinator, 2, CYCLE_1_ON)
    assert "outside cycle 2's window" in refused.value.message_dict["given_on"][0]
    assert Transfusion.objects.count() == 1
