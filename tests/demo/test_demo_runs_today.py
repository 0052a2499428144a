"""The demo trial is running on the day it is loaded, whatever that day is.

A newcomer finds patients on treatment (open cycles), visits due this month and overdue ones,
serious adverse events awaiting review, open queries raised by the data manager and by the
automatic checks, deaths and screen failures; and no record dated after today.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.db import models
from django.utils import timezone

import protocol
from accounts.models import User
from demo.trial import ACCRUAL_DAYS, DEFAULT_PATIENTS, DEFAULT_SEED, demo_trial_seed
from locks.models import DataLock
from patients.models import Patient, Screening, ScreeningOutcome
from randomization.models import Randomization
from review.models import DataQuery
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)
from visits.schedule import VisitStatus
from visits.selectors import serious_adverse_events_pending_review, worklist

RECORDS = (
    Patient,
    Screening,
    Randomization,
    TreatmentCycle,
    ResponseAssessment,
    Transplant,
    EndOfTreatment,
    FollowUpVisit,
    AdverseEvent,
    OffStudy,
    DataQuery,
    DataLock,
)
# A follow-up visit's target date and window are planned ahead by the schedule.
PLANNED = {"target_on", "window_opens_on", "window_closes_on"}


def _latest_dates(now: dt.datetime) -> list[str]:
    """Every recorded date or time later than today or now, as 'Model.field value'."""
    late = []
    today = timezone.localdate(now)
    for model in RECORDS:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                limit = now
            elif isinstance(field, models.DateField) and field.name not in PLANNED:
                limit = today
            else:
                continue
            latest = model.objects.filter(**{f"{field.name}__gt": limit}).values_list(
                field.name, flat=True
            )
            late += [f"{model.__name__}.{field.name} {value}" for value in latest]
    return late


@pytest.mark.parametrize(
    "loaded_at",
    [
        dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC),  # early in a month, in the morning
        dt.datetime(2026, 11, 27, 18, 30, tzinfo=dt.UTC),  # late in a month, in the evening
    ],
)
def test_it_is_a_trial_running_on_the_day_it_is_loaded(db, loaded_at):
    with time_machine.travel(loaded_at, tick=False):
        demo_trial_seed(patients=DEFAULT_PATIENTS, seed=DEFAULT_SEED)
        today = timezone.localdate()
        data_manager = User.objects.get(username="dm")
        visits = Counter(row.status for row in worklist(data_manager))
        open_queries = Counter(
            DataQuery.objects.filter(status=DataQuery.Status.OPEN).values_list("kind", flat=True)
        )

        assert visits[VisitStatus.DUE] > 0
        assert visits[VisitStatus.OVERDUE] > 0
        assert TreatmentCycle.objects.filter(ended_on__isnull=True).exists()
        assert serious_adverse_events_pending_review(data_manager).exists()
        assert open_queries[DataQuery.Kind.MANUAL] > 0
        assert open_queries[DataQuery.Kind.AUTOMATIC] > 0
        assert OffStudy.objects.filter(reason=protocol.OffStudyReason.DEATH).exists()
        assert Patient.objects.filter(screening__outcome=ScreeningOutcome.SCREEN_FAILURE).exists()
        assert DataLock.objects.filter(unlocked_at__isnull=True).count() == 1
        # Recruited over the last two years, up to today, and nothing dated later.
        first = Screening.objects.order_by("screened_on").first()
        assert first.screened_on >= today - dt.timedelta(days=ACCRUAL_DAYS)
        assert _latest_dates(timezone.now()) == []
