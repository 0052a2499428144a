"""An allo-HSCT is not given while a cycle of salvage therapy is: a transplant dated from a
cycle's first to its last day is refused, whichever of the two is recorded first, and the
message names the cycle and its dates. The day after a cycle ended is allowed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import record_cycle, record_response, record_transplant
from visits.models import Transplant, TreatmentCycle
from visits.services import cycle_update

R = protocol.ResponseCategory


@pytest.fixture
def in_remission(ic_patient, coordinator):
    """Induction 6-12 March 2025, CR on 2 April; a consolidation given 20-26 April."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(ic_patient, coordinator, dt.date(2025, 4, 2), R.CR)
    record_cycle(ic_patient, coordinator, dt.date(2025, 4, 20), dt.date(2025, 4, 26))
    return ic_patient


@pytest.mark.parametrize("day", [20, 23, 26], ids=["first-day", "mid-cycle", "last-day"])
def test_it_refuses_a_transplant_during_a_cycle(in_remission, coordinator, day):
    with pytest.raises(ValidationError) as refused:
        record_transplant(in_remission, coordinator, dt.date(2025, 4, day))

    assert refused.value.message_dict == {
        "transplanted_on": [
            f"{day}/04/2025 falls within cycle 2 (20/04/2025 to 26/04/2025): an allo-HSCT is "
            "not given during a cycle of salvage therapy."
        ]
    }
    assert not Transplant.objects.exists()


def test_it_accepts_a_transplant_the_day_after_the_cycle_ended(in_remission, coordinator):
    transplant = record_transplant(in_remission, coordinator, dt.date(2025, 4, 27))

    assert transplant.transplanted_on == dt.date(2025, 4, 27)


def test_it_refuses_a_cycle_corrected_to_run_over_the_transplant(in_remission, coordinator):
    record_transplant(in_remission, coordinator, dt.date(2025, 4, 28))
    cycle = TreatmentCycle.objects.get(patient=in_remission, number=2)

    with pytest.raises(ValidationError) as refused:
        cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"ended_on": dt.date(2025, 4, 29)},
            version=cycle.version,
            reason="Last dose date read again",
        )

    assert refused.value.message_dict["ended_on"] == [
        "The allo-HSCT on 28/04/2025 falls within this cycle: an allo-HSCT is not given during "
        "a cycle of salvage therapy."
    ]
    cycle.refresh_from_db()
    assert cycle.ended_on == dt.date(2025, 4, 26)
