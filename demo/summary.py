"""What the loaded demo trial shows today, in the words of its pages (printed by seed_demo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

import protocol
from locks.models import DataLock
from patients.models import Patient, ScreeningOutcome
from randomization.models import Randomization
from review.models import DataQuery
from visits.models import AdverseEvent, FollowUpVisit, OffStudy, TreatmentCycle
from visits.schedule import VisitStatus
from visits.selectors import status_of


@dataclass(frozen=True)
class DemoSummary:
    screened: int
    screen_failures: int
    randomized: int
    open_cycles: int
    in_follow_up: int
    dead: int
    left_study: int
    visits_due: int
    visits_overdue: int
    open_queries: int
    saes_awaiting_review: int
    locked_casebooks: int

    def lines(self) -> list[str]:
        return [
            f"{self.screened} screened ({self.screen_failures} screen failures), "
            f"{self.randomized} randomized over the last two years.",
            f"Today: {self.open_cycles} on a cycle, {self.in_follow_up} in follow-up, "
            f"{self.dead} dead, {self.left_study} withdrawn or lost to follow-up.",
            f"Worklist: {self.visits_due} visits due, {self.visits_overdue} overdue; "
            f"{self.open_queries} open queries; {self.saes_awaiting_review} SAEs awaiting "
            f"review; {self.locked_casebooks} casebook locked.",
        ]


def demo_summary(today: dt.date | None = None) -> DemoSummary:
    """Count what a newcomer finds in the demo trial on `today` (default: today)."""
    today = today or timezone.localdate()
    off_study = OffStudy.objects.values("patient")
    open_visits = FollowUpVisit.objects.filter(
        performed_on__isnull=True, missed_reason="", window_opens_on__lte=today
    )
    statuses = [status_of(visit, today) for visit in open_visits]
    return DemoSummary(
        screened=Patient.objects.count(),
        screen_failures=Patient.objects.filter(
            screening__outcome=ScreeningOutcome.SCREEN_FAILURE
        ).count(),
        randomized=Randomization.objects.count(),
        open_cycles=TreatmentCycle.objects.filter(ended_on__isnull=True).count(),
        in_follow_up=Patient.objects.filter(end_of_treatment__isnull=False)
        .exclude(pk__in=off_study)
        .count(),
        dead=OffStudy.objects.filter(reason=protocol.OffStudyReason.DEATH).count(),
        left_study=OffStudy.objects.filter(~Q(reason=protocol.OffStudyReason.DEATH)).count(),
        visits_due=statuses.count(VisitStatus.DUE),
        visits_overdue=statuses.count(VisitStatus.OVERDUE),
        open_queries=DataQuery.objects.filter(status=DataQuery.Status.OPEN).count(),
        saes_awaiting_review=AdverseEvent.objects.filter(
            serious=True, sae_reviewed_at__isnull=True
        ).count(),
        locked_casebooks=DataLock.objects.filter(unlocked_at__isnull=True).count(),
    )
