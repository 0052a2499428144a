"""Reads for the coordinator's daily work: the patient timeline, the worklist, pending SAEs."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import protocol
from accounts.models import Site, User
from casebook.declarations import Form
from casebook.registry import site as casebook
from patients.models import Patient
from patients.selectors import patients_visible_to
from visits import crfs, timepoints
from visits.models import (
    AdverseEvent,
    FollowUpVisit,
    ProtocolDeviation,
    ResponseAssessment,
    TreatmentCycle,
)
from visits.schedule import end_of_study, visit_status
from visits.services.follow_up import first_randomization_on
from visits.services.transplant import disease_status_proposed, last_response_on_or_before


def end_of_study_on() -> dt.date | None:
    """The trial's end of study, 5 years after its first randomization; None before one."""
    first = first_randomization_on()
    return end_of_study(first) if first else None


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
class TimelineSection:
    """One declared form on the patient's timeline: its records and its column headers."""

    form: Form
    records: list[Any]  # in date order; a single form's one record, or none
    labels: dict[str, str]  # the form's labels by field, for the column headers

    @property
    def record(self) -> Any:
        """The record of a one-per-patient form (transplant, end of treatment, off study)."""
        return self.records[0] if self.records else None

    @property
    def heading(self) -> str:
        return str(self.form.title) if self.form.single else self.form.plural

    @property
    def templates(self) -> list[str]:
        """The section's own template, or a plain table of the declared fields."""
        return [f"visits/timeline/{self.form.name}.html", "visits/timeline/_form.html"]

    @property
    def rows(self) -> list[tuple[Any, list[tuple[str, str]]]]:
        """Each record with its declared fields, then its computed values, as shown, each with
        its column header (for the plain table; a phone shows each row as a card of labelled
        lines)."""
        names = (*self.form.field_names, *self.form.computed_names)
        return [
            (record, [(self.labels.get(name, name), _shown(record, name)) for name in names])
            for record in self.records
        ]


def _shown(record: Any, name: str) -> str:
    value = getattr(record, name)
    if value is None or value == "":
        return "—"
    if hasattr(record, f"get_{name}_display"):
        return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal | float):
        return number_format(value)  # 11,4 in French, as the reader writes it
    return str(value)


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
    sections: list[TimelineSection]

    @property
    def sections_at_screening(self) -> list[TimelineSection]:
        """The forms entered at screening (disease history, ...): shown before randomization."""
        return [s for s in self.sections if s.form.at_screening]

    @property
    def sections_after_randomization(self) -> list[TimelineSection]:
        return [s for s in self.sections if not s.form.at_screening]

    @property
    def open_cycle(self) -> TreatmentCycle | None:
        return next((c for c in self.cycles if c.ended_on is None), None)


def _timeline_sections(patient: Patient, known: dict[str, list[Any]]) -> list[TimelineSection]:
    """Every declared form, in the declared timeline order (casebook.site).

    Forms read above are not read again; a form declared later without its own section
    template is read here, in one query, and shown as a table of its fields.
    """
    sections = []
    for form in casebook:
        if form.name in known:
            records = known[form.name]
        else:
            records = list(form.with_computed(form.model._default_manager.filter(patient=patient)))
        sections.append(TimelineSection(form=form, records=records, labels=_labels(form)))
    return sections


# The column headers of each declared form, by form and language: the declarations do not
# change while the process runs, so they are read once, not on every patient page.
_LABELS: dict[tuple[int, str], tuple[Form, dict[str, str]]] = {}


def _labels(form: Form) -> dict[str, str]:
    """Return the form's labels by field (with their units), in the active language."""
    key = (id(form), get_language())
    kept = _LABELS.get(key)
    if kept is None or kept[0] is not form:
        labels = {name: form.label(name) for name in form.field_names}
        labels.update({value.name: str(value.label) for value in form.computed})
        kept = _LABELS[key] = (form, labels)
    return dict(kept[1])


def patient_timeline(patient: Patient, today: dt.date | None = None) -> PatientTimeline:
    """Return the patient's timeline: screening → randomization → ... → off study."""
    today = today or timezone.localdate()

    def one(model_name: str) -> Any:
        return getattr(patient, model_name, None)

    def listed(record: Any) -> list[Any]:
        return [record] if record is not None else []

    cycles = list(patient.cycles.order_by("number"))
    responses = list(patient.responses.order_by("assessed_on", "pk"))
    transplant, end_of_treatment = one("transplant"), one("end_of_treatment")
    visits = [(v, status_of(v, today)) for v in patient.followup_visits.order_by("month")]
    off_study = one("off_study")
    # With their TEAE flag, computed from the cycles as they stand (treatment_emergence.py).
    adverse_events = list(
        crfs.ADVERSE_EVENT.with_computed(patient.adverse_events.order_by("onset_on", "pk"))
    )
    known: dict[str, list[Any]] = {
        crfs.CYCLE.name: cycles,
        crfs.RESPONSE.name: responses,
        crfs.TRANSPLANT.name: listed(transplant),
        crfs.END_OF_TREATMENT.name: listed(end_of_treatment),
        crfs.FOLLOW_UP_VISIT.name: visits,
        crfs.OFF_STUDY.name: listed(off_study),
        crfs.ADVERSE_EVENT.name: adverse_events,
    }
    return PatientTimeline(
        patient=patient,
        randomization=one("randomization"),
        cycles=cycles,
        responses=responses,
        transplant=transplant,
        end_of_treatment=end_of_treatment,
        visits=visits,
        off_study=off_study,
        adverse_events=adverse_events,
        deviations=list(patient.deviations.select_related("cycle")),
        sections=_timeline_sections(patient, known),
    )


@dataclass(frozen=True)
class WorklistRow:
    visit: FollowUpVisit
    status: str

    @property
    def study_id(self) -> str:
        return self.visit.patient.study_id


# The worklist's sorts, as the database orders the visits; ties by study ID, then month.
WORKLIST_SORTS: dict[str, tuple[str, ...]] = {
    "target": ("target_on", "patient__study_id", "month"),
    "study_id": ("patient__study_id", "month"),
    "status": ("not_overdue", "target_on", "patient__study_id", "month"),
    "window_closes": ("window_closes_on", "patient__study_id", "month"),
}


class WorklistRows:
    """The worklist's visits, sorted by the database and read a slice at a time.

    A paginator counts them (one COUNT) and reads one page of rows, so the worklist's page
    costs the same with 10 visits owed as with 10,000; each row's status is computed for
    the rows read only.
    """

    def __init__(self, visits: QuerySet[FollowUpVisit], today: dt.date):
        self._visits, self._today = visits, today

    def _rows(self, visits: Iterable[FollowUpVisit]) -> list[WorklistRow]:
        return [WorklistRow(v, status_of(v, self._today)) for v in visits]

    def count(self) -> int:
        return self._visits.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> WorklistRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[WorklistRow]: ...
    def __getitem__(self, index: int | slice) -> WorklistRow | list[WorklistRow]:
        if isinstance(index, slice):
            return self._rows(self._visits[index])
        return self._rows([self._visits[index]])[0]

    def __iter__(self) -> Iterator[WorklistRow]:
        return iter(self._rows(self._visits))


def worklist(
    user: User, *, site: Site | None = None, today: dt.date | None = None, sort: str = "target"
) -> WorklistRows:
    """Return the visits to plan this month at the visible sites, sorted by the database.

    Listed: every visit neither done nor missed whose window opens by the end of the month,
    each with its status today: due (window open), overdue (window closed) or upcoming
    (its window opens later this month).
    """
    today = today or timezone.localdate()
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    patients = patients_visible_to(user)
    if site is not None:
        patients = patients.filter(site=site)
    visits = (
        FollowUpVisit.objects.filter(
            patient__in=patients.values("pk"),
            performed_on__isnull=True,
            missed_reason="",
            window_opens_on__lte=month_end,
        )
        # Overdue (the window closed before today) sorts first with the "status" sort.
        .annotate(
            not_overdue=Case(
                When(window_closes_on__lt=today, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .select_related("patient", "patient__site")
        .order_by(*WORKLIST_SORTS.get(sort, WORKLIST_SORTS["target"]), "pk")
    )
    return WorklistRows(visits, today)


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
    """Return the protocol deviations at the visible sites that no correction has removed,
    major ones first."""
    patients = patients_visible_to(user)
    if site is not None:
        patients = patients.filter(site=site)
    return (
        ProtocolDeviation.objects.filter(patient__in=patients.values("pk"))
        .filter(Q(corrected_at__isnull=True))
        .select_related("patient", "cycle")
        .order_by("severity", "-detected_at")  # "major" sorts before "minor"
    )


def response_timepoint_proposed(
    patient: Patient, on: dt.date | None = None
) -> protocol.ResponseTimepoint:
    """Return the timepoint a response assessed on `on` (today by default) is expected to be
    in the patient's course: the protocol evaluation once it is due and not yet recorded, a
    later cycle on treatment after it, follow-up after the end of treatment or allo-HSCT,
    otherwise unscheduled (visits/timepoints.py; the service records the same when an API
    client leaves it out)."""
    on = on or timezone.localdate()
    course = timepoints.course_of(
        regimen=patient.randomization.regimen,
        cycles=patient.cycles.order_by("number"),
        end_of_treatment=getattr(patient, "end_of_treatment", None),
        transplant=getattr(patient, "transplant", None),
    )
    points = [
        timepoints.Point(pk, assessed_on, timepoint)
        for pk, assessed_on, timepoint in patient.responses.values_list(
            "pk", "assessed_on", "timepoint"
        )
    ]
    return timepoints.timepoint_expected(course, points, on)


def transplant_values_proposed(patient: Patient, today: dt.date | None = None) -> dict[str, str]:
    """Return the disease status and MRD a new allo-HSCT form proposes: those of the last
    response recorded to date (the service takes the status from the last response on or
    before the HSCT's date when the coordinator leaves it empty)."""
    today = today or timezone.localdate()
    responses = list(patient.responses.order_by("assessed_on", "pk"))
    last = last_response_on_or_before(responses, today)
    if last is None:
        return {}
    mrd = {True: protocol.MrdAtTransplant.NEGATIVE, False: protocol.MrdAtTransplant.POSITIVE}
    return {
        "disease_status": disease_status_proposed(responses, today) or "",
        # Nothing proposed when that assessment did not measure it.
        "mrd_status": "" if last.mrd_negative is None else mrd[last.mrd_negative],
    }
