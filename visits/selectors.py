"""Reads for the coordinator's daily work: the patient timeline, the worklist, pending SAEs."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Site, User
from patients.models import Patient
from patients.selectors import patients_visible_to
from visits.models import (
    AdverseEvent,
    FollowUpVisit,
    ProtocolDeviation,
    ResponseAssessment,
    TreatmentCycle,
)
from visits.schedule import VisitStatus, visit_status


def status_of(visit: FollowUpVisit, today: dt.date | None = None) -> str:
    """Return the visit's status today: upcoming, due, overdue, done or missed."""
    return visit_status(
        window_opens_on=visit.window_opens_on,
        window_closes_on=visit.window_closes_on,
        performed_on=visit.performed_on,
        missed=bool(visit.missed_reason),
        today=today or timezone.localdate(),
    )


@dataclass(frozen=True)
class PatientTimeline:
    """Everything recorded for a patient, each kind in date order, fetched in a few queries."""

    patient: Patient
    randomization: Any
    cycles: list[TreatmentCycle]
    responses: list[ResponseAssessment]
    transplant: Any
    end_of_treatment: Any
    visits: list[tuple[FollowUpVisit, str]]
    off_study: Any
    adverse_events: list[AdverseEvent]
    deviations: list[ProtocolDeviation]

    @property
    def open_cycle(self) -> TreatmentCycle | None:
        return next((c for c in self.cycles if c.ended_on is None), None)


def patient_timeline(patient: Patient, today: dt.date | None = None) -> PatientTimeline:
    """Return the patient's timeline: screening → randomization → ... → off study."""
    today = today or timezone.localdate()

    def one(model_name: str):
        return getattr(patient, model_name, None)

    return PatientTimeline(
        patient=patient,
        randomization=one("randomization"),
        cycles=list(patient.cycles.order_by("number")),
        responses=list(patient.responses.order_by("assessed_on", "pk")),
        transplant=one("transplant"),
        end_of_treatment=one("end_of_treatment"),
        visits=[(v, status_of(v, today)) for v in patient.followup_visits.order_by("month")],
        off_study=one("off_study"),
        adverse_events=list(patient.adverse_events.order_by("onset_on", "pk")),
        deviations=list(patient.deviations.select_related("cycle")),
    )


@dataclass(frozen=True)
class WorklistRow:
    visit: FollowUpVisit
    status: str

    @property
    def study_id(self) -> str:
        return self.visit.patient.study_id


WORKLIST_SORTS = {
    "target": lambda row: (row.visit.target_on, row.study_id),
    "study_id": lambda row: (row.study_id, row.visit.month),
    "status": lambda row: (row.status != VisitStatus.OVERDUE, row.visit.target_on),
    "window_closes": lambda row: (row.visit.window_closes_on, row.study_id),
}


def worklist(
    user: User, *, site: Site | None = None, today: dt.date | None = None, sort: str = "target"
) -> list[WorklistRow]:
    """Return the visits to plan this month at the visible sites, in one query.

    Listed: every visit neither done nor missed whose window opens by the end of the month,
    each with its status today: due (window open), overdue (window closed) or upcoming
    (its window opens later this month).
    """
    today = today or timezone.localdate()
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    patients = patients_visible_to(user)
    if site is not None:
        patients = patients.filter(site=site)
    visits = FollowUpVisit.objects.filter(
        patient__in=patients.values("pk"),
        performed_on__isnull=True,
        missed_reason="",
        window_opens_on__lte=month_end,
    ).select_related("patient", "patient__site")
    rows = [WorklistRow(v, status_of(v, today)) for v in visits]
    return sorted(rows, key=WORKLIST_SORTS.get(sort, WORKLIST_SORTS["target"]))


def serious_adverse_events_pending_review(
    user: User, site: Site | None = None
) -> QuerySet[AdverseEvent]:
    """Return the SAEs at the visible sites not yet reviewed (shown on the site dashboard)."""
    patients = patients_visible_to(user)
    if site is not None:
        patients = patients.filter(site=site)
    return (
        AdverseEvent.objects.filter(
            patient__in=patients.values("pk"), serious=True, sae_reviewed_at__isnull=True
        )
        .select_related("patient")
        .order_by("onset_on")
    )


def open_deviations(user: User, site: Site | None = None) -> QuerySet[ProtocolDeviation]:
    """Return the protocol deviations at the visible sites that no correction has removed."""
    patients = patients_visible_to(user)
    if site is not None:
        patients = patients.filter(site=site)
    return (
        ProtocolDeviation.objects.filter(patient__in=patients.values("pk"))
        .filter(Q(corrected_at__isnull=True))
        .select_related("patient", "cycle")
        .order_by("-detected_at")
    )
