"""The 60-patient demo trial the oversight counts are compared on (the `demo_trial` fixture
of tests/oversight/conftest.py loads it once per test file), and cut-offs across its life."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from randomization.models import Randomization

LOADED_AT = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)


def cutoffs_across_the_trial(steps: int) -> list[dt.date]:
    """The day before the first randomization, about `steps` randomization days across the
    trial, the last one, and the load's day."""
    days = sorted(
        timezone.localtime(at).date()
        for at in Randomization.objects.values_list("randomized_at", flat=True)
    )
    picked = [days[0] - dt.timedelta(days=1), *days[:: max(1, len(days) // steps)], days[-1]]
    return [*picked, LOADED_AT.date()]
