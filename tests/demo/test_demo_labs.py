"""The demo trial holds blood counts entered through the service, in their cycles' windows,
with recoveries both reached and not reached, and platelet transfusions."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from demo.trial import DEFAULT_SEED, demo_trial_seed
from labs.derivations import NOT_REACHED, REACHED
from labs.models import BloodCount, Transfusion
from labs.selectors import lab_courses


def test_the_demo_patients_have_counts_with_recoveries_reached_and_not(db):
    with time_machine.travel(dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        demo_trial_seed(patients=60, seed=DEFAULT_SEED)

        assert BloodCount.objects.exists() and Transfusion.objects.exists()
        assert not BloodCount.objects.filter(sampled_on__gt=timezone.localdate()).exists()
        statuses = {
            cycle.anc_0_5.status
            for course in lab_courses().values()
            for cycle in course.derived
            if cycle.days_anc_below_0_5
        }
        assert {REACHED, NOT_REACHED} <= statuses
