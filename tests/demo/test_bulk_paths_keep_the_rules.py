"""The demo's batch writes (labs, medications, prior therapy, checklist answers, follow-up
schedules) give the trial the one-at-a-time services would: every row is audited with its
author and reason, every randomized patient out of treatment has the follow-up schedule the
service builds, and every stored record passes the services' own checks again."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.apps import apps
from django.db.models import Count, Model

import protocol
from accounts.models import Role, User
from demo.trial import DEFAULT_SEED, demo_trial_seed
from labs import services as lab_services
from labs.models import BloodCount, Transfusion
from locks.models import DataLock
from medications import services as medication_services
from medications.models import ConcomitantMedication
from patients.models import CriterionAnswer, DiseaseHistory, PriorRegimen
from randomization.models import Randomization
from visits.models import EndOfTreatment, FollowUpVisit
from visits.services import followup_schedule_build
from visits.state import patient_records_for_update

LOADED_AT = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
BATCH_WRITTEN: tuple[type[Model], ...] = (
    BloodCount,
    Transfusion,
    ConcomitantMedication,
    PriorRegimen,
    DiseaseHistory,
    CriterionAnswer,
    FollowUpVisit,
)


def _inserts(model: type[Model]) -> dict[int, dict]:
    """The audit trail's insert event of each row of `model`, by the row's id."""
    event_model = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
    return dict(
        event_model.objects.filter(pgh_label="insert").values_list("pgh_obj_id", "pgh_context")
    )


def test_it_writes_in_batches_a_trial_the_services_would_accept(db):
    with time_machine.travel(LOADED_AT, tick=False):
        demo_trial_seed(patients=40, seed=DEFAULT_SEED)

        # Every batch-written row has its insert event, naming its author and the reason.
        for model in BATCH_WRITTEN:
            rows = list(model.objects.all())
            assert rows, model.__name__
            inserts = _inserts(model)
            reason = "Follow-up schedule built" if model is FollowUpVisit else "Initial entry"
            for row in rows:
                context = inserts[row.pk]
                assert context["reason"] == reason, (model.__name__, row.pk)
                author = getattr(row, "created_by_id", None)
                assert context["user"] == (author or row.screening.patient.created_by_id)

        # Each screening has its whole checklist, once.
        per_screening = CriterionAnswer.objects.values("screening").annotate(n=Count("pk"))
        assert {row["n"] for row in per_screening} == {len(protocol.ELIGIBILITY_CRITERIA)}

        # Every randomized patient out of treatment has the schedule the service builds.
        ended = list(EndOfTreatment.objects.select_related("patient"))
        assert ended
        for eot in ended:
            stored = sorted(
                FollowUpVisit.objects.filter(patient=eot.patient).values_list(
                    "month", "target_on", "window_opens_on", "window_closes_on"
                )
            )
            rebuilt = sorted(
                (v.month, v.target_on, v.window_opens_on, v.window_closes_on)
                for v in followup_schedule_build(eot.patient)
            )
            assert stored == rebuilt, eot.patient
        assert FollowUpVisit.objects.values("patient").distinct().count() > len(ended) // 2

        # Every count, transfusion and medication passes its service's checks again, against
        # the patient's records as the services read them.
        coordinators = {
            site.pk: user
            for user in User.objects.filter(role=Role.COORDINATOR).prefetch_related("sites")
            for site in user.sites.all()
        }
        checked = 0
        locked = DataLock.objects.exclude(patient=None).values("patient")  # the demo locks one
        randomized = Randomization.objects.exclude(patient__in=locked)
        for randomization in randomized.select_related("patient__site"):
            patient = randomization.patient
            records = patient_records_for_update(patient, coordinators[patient.site_id])
            days = [c.sampled_on for c in BloodCount.objects.filter(patient=patient)]
            assert len(days) == len(set(days)), patient  # one count a day
            for record in [
                *BloodCount.objects.filter(patient=patient),
                *Transfusion.objects.filter(patient=patient),
            ]:
                assert lab_services._window_errors(records, record) == {}, record
                assert record.cycle.number == record.cycle_number
                checked += 1
            for medication in ConcomitantMedication.objects.filter(patient=patient):
                assert medication_services._medication_errors(records, medication) == {}
                checked += 1
        assert checked > 200
