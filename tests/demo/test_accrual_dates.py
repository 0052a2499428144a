"""However many demo patients are asked for, they are screened and randomized by today.

The demo used to step screenings one day apart from a fixed date, so `seed_demo --patients
1100` ran past today and the randomization service refused a randomization in the future.
Screening dates are now drawn inside the last two years, several a day when there are many.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.utils import timezone

from demo.trial import ACCRUAL_DAYS, randomization_time, screening_days

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize("patients", [0, 1, 60, 1100, 10_000])
def test_it_screens_everyone_within_the_last_two_years(patients):
    days = screening_days(random.Random(1), patients=patients, today=TODAY)

    assert len(days) == patients
    assert days == sorted(days)
    assert all(TODAY - dt.timedelta(days=ACCRUAL_DAYS) <= day <= TODAY for day in days)


def test_it_randomizes_a_few_days_after_screening_and_never_today_or_later():
    rng = random.Random(1)
    with time_machine.travel(dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC), tick=False):
        for screened_on in screening_days(rng, patients=5000, today=TODAY):
            at = randomization_time(rng, screened_on=screened_on, today=TODAY)
            if at is None:  # screened in the last days: still to be randomized
                assert screened_on >= TODAY - dt.timedelta(days=6)
                continue
            on = timezone.localtime(at).date()
            assert screened_on < on < TODAY
            assert (on - screened_on).days <= 6
            assert at < timezone.now()
