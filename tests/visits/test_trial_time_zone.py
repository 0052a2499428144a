"""Dates are the trial's dates, in Europe/Paris: the day of randomization and "today" are
read on a Paris clock, whatever the server's UTC time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.visits.builders import PARIS, randomize, record_cycle
from visits.models import TreatmentCycle


def test_it_dates_a_randomization_just_after_midnight_in_paris_on_the_paris_day(
    patient_a, coordinator
):
    # 00:30 in Paris on 5 March is still 4 March in UTC.
    randomize(patient_a, coordinator, at=dt.datetime(2025, 3, 5, 0, 30, tzinfo=PARIS))

    with pytest.raises(ValidationError) as refused:
        record_cycle(patient_a, coordinator, dt.date(2025, 3, 4), dt.date(2025, 3, 10))
    assert "before the randomization on 05/03/2025" in refused.value.message_dict["started_on"][0]

    assert record_cycle(patient_a, coordinator, dt.date(2025, 3, 5), dt.date(2025, 3, 10))


def test_it_takes_today_from_the_paris_clock(patient_a, coordinator):
    randomize(patient_a, coordinator)

    # 23:30 UTC on 2 June is 01:30 on 3 June in Paris: a cycle started on 3 June is not
    # in the future.
    with time_machine.travel(dt.datetime(2025, 6, 2, 23, 30, tzinfo=dt.UTC), tick=False):
        record_cycle(patient_a, coordinator, dt.date(2025, 6, 3))

    assert TreatmentCycle.objects.get(patient=patient_a).started_on == dt.date(2025, 6, 3)
