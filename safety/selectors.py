"""Reads about SAE reports, always through the viewer's site scope (patients' selectors)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

import protocol
from accounts.models import Site, User
from patients.models import Patient
from patients.selectors import patients_visible_to
from protocol.doses import planned_dose
from safety.clock import SaeClock, sae_clock
from safety.models import SaeReport, SaeReportVersion
from visits.doses import DOSE_FIELDS
from visits.models import TreatmentCycle

_DRAFT = SaeReportVersion.Status.DRAFT


def sae_reports_visible_to(user: User) -> QuerySet[SaeReport]:
    """Return the SAE reports this account may see: its own sites' if site-bound, else all,
    each with when its initial report was submitted (for the clock) and its open draft."""
    # At most one of each (unique number; one draft at a time): no order, or the versions'
    # default one (by report, so by the report's date) would join the report in each subquery.
    initial = SaeReportVersion.objects.filter(report=OuterRef("pk"), number=0).order_by()
    draft = SaeReportVersion.objects.filter(report=OuterRef("pk"), status=_DRAFT).order_by()
    return (
        SaeReport.objects.filter(patient__in=patients_visible_to(user))
        .select_related("patient__site", "adverse_event")
        .annotate(
            initial_submitted_at=Subquery(initial.values("submitted_at")[:1]),
            draft_number=Subquery(draft.values("number")[:1]),
        )
    )


def sae_report_get_for(user: User, pk: int) -> SaeReport:
    """Return a report the account may see; another site's report is simply not found."""
    report = sae_reports_visible_to(user).filter(pk=pk).first()
    if report is None:
        raise Http404("No such SAE report.")
    return report


def _reports_awaiting_submission(user: User, site: Site | None) -> QuerySet[SaeReport]:
    # At most one draft per report (a unique constraint): the join repeats no report.
    reports = sae_reports_visible_to(user).filter(versions__status=_DRAFT)
    if site is not None:
        reports = reports.filter(patient__site=site)
    return reports


def sae_reports_awaiting_submission(
    user: User, site: Site | None = None, *, limit: int = 200
) -> list[tuple[SaeReport, SaeClock]]:
    """Return the visible reports (of one site if given) with a version, initial or follow-up,
    not yet submitted, each with its clock; the earliest awareness first, at most `limit`."""
    reports = _reports_awaiting_submission(user, site).order_by("site_aware_at", "pk")[:limit]
    now = timezone.now()
    return [(r, report_clock(r, now=now)) for r in reports]


def sae_reports_awaiting_submission_count(user: User, site: Site | None = None) -> int:
    """Return how many visible reports (of one site if given) await a submission."""
    return _reports_awaiting_submission(user, site).count()


def report_clock(report: SaeReport, *, now: dt.datetime | None = None) -> SaeClock:
    """Return the initial report's clock, as it stands now (or as it stood at submission)."""
    submitted_at = getattr(report, "initial_submitted_at", None)
    if not hasattr(report, "initial_submitted_at"):
        initial = report.versions.filter(number=0).first()
        submitted_at = initial.submitted_at if initial else None
    return sae_clock(
        site_aware_at=report.site_aware_at,
        submitted_at=submitted_at,
        now=now or timezone.now(),
        zone=timezone.get_default_timezone(),
    )


def versions_of(report: SaeReport) -> list[SaeReportVersion]:
    """Return every version of the report, the initial report first."""
    return list(report.versions.select_related("submitted_by").order_by("number"))


def draft_of(report: SaeReport) -> SaeReportVersion | None:
    return report.versions.filter(status=_DRAFT).first()


def sae_reports_for_event_ids(event_ids: list[int]) -> dict[int, SaeReport]:
    """Return the SAE report of each of these adverse events that has one (one query)."""
    return {r.adverse_event_id: r for r in SaeReport.objects.filter(adverse_event_id__in=event_ids)}


def suspect_drugs_given(patient: Patient, *, by: dt.date) -> set[protocol.Drug]:
    """Return the suspect drugs the patient received in a cycle started on or before `by`
    (the event's onset): a drug of the cycle's regimen counts unless its dose is recorded as
    0, dexamethasone when the cycle says it was given (in either arm: a deviation counts)."""
    given: set[protocol.Drug] = set()
    for cycle in TreatmentCycle.objects.filter(patient=patient, started_on__lte=by):
        if cycle.dexamethasone_given:
            given.add(protocol.Drug.DEXAMETHASONE)
        for drug, field in DOSE_FIELDS.items():
            if drug is protocol.Drug.DEXAMETHASONE or planned_dose(cycle.phase, drug) is None:
                continue
            if getattr(cycle, field) != 0:
                given.add(drug)
    return given
