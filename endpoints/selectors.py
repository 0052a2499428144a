"""Reads for the investigators' dashboard: latest analysis, accrual, follow-up completeness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Site, User
from accounts.selectors import sites_visible_to
from endpoints.fingerprint import DataChanges, data_changes_since
from endpoints.models import AnalysisRun
from patients.models import Screening
from randomization.models import Randomization
from visits.models import FollowUpVisit

# The baseline biology the analyses read, and the only place they read it.
SUBGROUP_GENES = ("NPM1", "RUNX1", "FLT3-ITD")


def baseline_biology(screening: Screening) -> dict[str, str]:
    """Return the mutation results and ELN risk at screening that the subgroups read.

    Today: the screening panel and the investigator's ELN entry (already loaded with the
    patient: no query). When the biology form's screening specimen and its derived ELN risk
    are the reference, they are read here instead, and nothing else changes.
    """
    panel = screening.mutations or {}
    return {
        **{gene: panel.get(gene, "") for gene in SUBGROUP_GENES},
        "eln_risk": screening.eln_risk,
    }


def latest_finished_run() -> AnalysisRun | None:
    return (
        AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE)
        .select_related("served_from")
        .order_by("-finished_at", "-pk")
        .first()
    )


def latest_requested_run() -> AnalysisRun | None:
    return AnalysisRun.objects.order_by("-requested_at", "-pk").first()


def changes_since_run(run: AnalysisRun) -> DataChanges | None:
    """What was written since the run's worker read the data; None when nothing was (or
    the run predates the fingerprint's point, `data_seq`, and cannot say)."""
    if run.data_seq is None:
        return None
    changes = data_changes_since(run.data_seq)
    return changes if changes else None


def analysis_run_lease_left(run_id: int) -> float | None:
    """Seconds until the lease of the worker computing a run expires; None if not running."""
    expires_at = (
        AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING)
        .values_list("lease_expires_at", flat=True)
        .first()
    )
    if expires_at is None:
        return None
    return max((expires_at - timezone.now()).total_seconds(), 0.0)


@dataclass(frozen=True)
class AccrualRow:
    site: Site
    randomized: int
    expected: float  # by now, if sites recruited in proportion: target × elapsed / period


@dataclass(frozen=True)
class Accrual:
    rows: list[AccrualRow]
    total: int
    target: int
    expected_by_now: float
    by_month: list[tuple[dt.date, int, int]]  # month, randomized that month, cumulative
    first_randomization_on: dt.date | None


def accrual(today: dt.date | None = None) -> Accrual:
    """Randomizations overall, per site and per month, against the target enrolment."""
    today = today or timezone.localdate()
    target = settings.TRIAL_TARGET_ENROLMENT
    months = settings.TRIAL_ACCRUAL_MONTHS
    per_site = dict(Randomization.objects.values_list("patient__site").annotate(n=Count("pk")))
    first = (
        Randomization.objects.order_by("randomized_at")
        .values_list("randomized_at", flat=True)
        .first()
    )
    first_on = timezone.localtime(first).date() if first else None
    elapsed = ((today - first_on).days / 30.44) if first_on else 0
    expected = min(target, target * elapsed / months) if first_on else 0.0
    sites = list(Site.objects.all())
    share = 1 / len(sites) if sites else 0
    rows = [AccrualRow(s, per_site.get(s.pk, 0), expected * share) for s in sites]
    cumulative, by_month = 0, []
    for month, n in (
        Randomization.objects.annotate(month=TruncMonth("randomized_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    ):
        cumulative += n
        by_month.append((month.date() if hasattr(month, "date") else month, n, cumulative))
    return Accrual(rows, sum(per_site.values()), target, expected, by_month, first_on)


@dataclass(frozen=True)
class FollowUpCompleteness:
    site: Site
    expected: int  # visits whose window has closed
    done: int
    missed: int
    overdue: int

    @property
    def completeness(self) -> float | None:
        return self.done / self.expected if self.expected else None


def follow_up_completeness(user: User, today: dt.date | None = None) -> list[FollowUpCompleteness]:
    """Per visible site: share of expected visits done, missed and overdue (one query)."""
    today = today or timezone.localdate()
    rows = (
        FollowUpVisit.objects.filter(
            window_closes_on__lt=today, patient__site__in=sites_visible_to(user)
        )
        .values("patient__site")
        .annotate(
            expected=Count("pk"),
            done=Count("pk", filter=Q(performed_on__isnull=False)),
            missed=Count("pk", filter=~Q(missed_reason="")),
            overdue=Count("pk", filter=Q(performed_on__isnull=True, missed_reason="")),
        )
    )
    by_site = {row["patient__site"]: row for row in rows}
    return [
        FollowUpCompleteness(
            site,
            by_site.get(site.pk, {}).get("expected", 0),
            by_site.get(site.pk, {}).get("done", 0),
            by_site.get(site.pk, {}).get("missed", 0),
            by_site.get(site.pk, {}).get("overdue", 0),
        )
        for site in sites_visible_to(user)
    ]
