"""Demo data: the data review of the running trial, through the review services.

The data manager's queries (some open, some answered by the site, some closed), the
automatic checks' queries, the monitor's source-data verification at the monitored sites, and
one casebook locked. Drawn from the demo's seed, never from the arms.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Model

import protocol
from accounts.models import User
from demo.batches import batches
from locks.services import data_lock
from patients.models import Screening
from randomization.models import Randomization
from review import services as review
from review.checks import automatic_queries_refresh
from review.models import DataQuery
from visits.models import AdverseEvent, FollowUpVisit, OffStudy, TreatmentCycle

# The records the monitor has verified are those of patients randomized this long ago.
VERIFIED_AFTER_DAYS = 120


def _questions(rng: random.Random) -> Iterator[tuple[Model, str, str]]:
    """The data manager's doubts about values: record, field and question, in study order."""
    for screening in Screening.objects.select_related("patient").order_by("patient__study_id"):
        if rng.random() < 0.08:
            yield (
                screening,
                "marrow_blasts_pct",
                f"Marrow blasts {screening.marrow_blasts_pct}% at screening: please confirm "
                "against the marrow report.",
            )
    for cycle in TreatmentCycle.objects.select_related("patient").order_by(
        "patient__study_id", "number"
    ):
        if rng.random() < 0.015:
            yield (
                cycle,
                "started_on",
                f"Cycle {cycle.number} start ({cycle.started_on:%d/%m/%Y}) differs from the "
                "date on the prescription: please check.",
            )
    for event in AdverseEvent.objects.select_related("patient").order_by(
        "patient__study_id", "onset_on", "term"
    ):
        if rng.random() < 0.05:
            yield (
                event,
                "grade",
                f"{event.display_term} graded {event.grade}: please confirm the grade with the "
                "CTCAE v5.0 definition.",
            )
    for visit in (
        FollowUpVisit.objects.filter(performed_on__isnull=False)
        .select_related("patient")
        .order_by("patient__study_id", "month")
    ):
        if rng.random() < 0.05:
            yield (
                visit,
                "vital_status",
                f"Visit {visit.label}: was vital status confirmed in person or by telephone?",
            )


def _manual_queries(
    rng: random.Random, *, coordinators: dict[int, User], data_manager: User
) -> None:
    """Raise the data manager's queries; the sites answer some, the data manager closes some."""
    for batch in batches(list(_questions(rng))):
        with transaction.atomic():
            for record, field_name, text in batch:
                query = review.query_raise(
                    user=data_manager, record=record, field_name=field_name, text=text
                )
                step = rng.random()
                if step < 0.4:
                    continue  # open: waiting for the site
                query = review.query_answer(
                    user=coordinators[query.patient.site.number],
                    query=query,
                    text="Checked against the source document: the value is correct.",
                )
                if step < 0.7:
                    continue  # answered: waiting for the data manager
                review.query_close(user=data_manager, query=query, text="Thank you.")


def _source_verification(rng: random.Random, *, monitor: User, today: dt.date) -> None:
    """The monitor has verified the screening and cycles of most earlier patients."""
    before = today - dt.timedelta(days=VERIFIED_AFTER_DAYS)
    randomizations = Randomization.objects.filter(
        patient__site__in=monitor.sites.all(), randomized_at__date__lt=before
    ).order_by("patient__study_id")
    for batch in batches(randomizations.select_related("patient__screening")):
        with transaction.atomic():
            for randomization in batch:
                if rng.random() < 0.3:
                    continue
                patient = randomization.patient
                review.record_verify(user=monitor, record=patient.screening)
                for cycle in TreatmentCycle.objects.filter(patient=patient).order_by("number"):
                    review.record_verify(user=monitor, record=cycle)


def _lock(*, data_manager: User) -> None:
    """Lock the casebook of the earliest death whose data raise no question any more."""
    questioned = DataQuery.objects.exclude(status=DataQuery.Status.CLOSED).values("patient")
    death = (
        OffStudy.objects.filter(reason=protocol.OffStudyReason.DEATH)
        .exclude(patient__in=questioned)
        .select_related("patient")
        .order_by("event_on", "patient__study_id")
        .first()
    )
    if death is not None:
        data_lock(
            user=data_manager,
            patient=death.patient,
            reason="Casebook complete after the patient's death, queries closed",
        )


def demo_review_seed(
    *,
    seed: int,
    coordinators: dict[int, User],
    data_manager: User,
    monitor: User,
    today: dt.date,
) -> None:
    """Review the demo trial's data as a data manager and a monitor would have by today."""
    rng = random.Random(f"{seed}:review")
    _manual_queries(rng, coordinators=coordinators, data_manager=data_manager)
    automatic_queries_refresh(today)
    _source_verification(rng, monitor=monitor, today=today)
    _lock(data_manager=data_manager)
