"""Demo events after the allo-HSCT: acute GVHD in about half the transplanted demo patients,
a DLI in some, entered through the service as a coordinator would."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from demo.batches import batches
from visits.models import Transplant
from visits.services import transplant_event_record


def demo_transplant_events_seed(*, seed: int, coordinators: dict[int, User]) -> None:
    """Record GVHD and DLI after the demo transplants, up to today."""
    today = timezone.localdate()
    transplants = Transplant.objects.select_related("patient__site").order_by("pk")
    for batch in batches(transplants):
        with transaction.atomic():
            for transplant in batch:
                patient = transplant.patient
                rng = random.Random(f"{seed}:hsct-events:{patient.study_id}")
                planned: list[dict[str, Any]] = []
                if rng.random() < 0.5:
                    planned.append(
                        {
                            "kind": protocol.TransplantEventKind.ACUTE_GVHD,
                            "occurred_on": transplant.transplanted_on + dt.timedelta(days=25),
                            "acute_gvhd_grade": rng.choice(protocol.AcuteGvhdGrade.values),
                        }
                    )
                if rng.random() < 0.3:
                    planned.append(
                        {
                            "kind": protocol.TransplantEventKind.DLI,
                            "occurred_on": transplant.transplanted_on + dt.timedelta(days=120),
                            "dli_cd3_per_kg": Decimal("1"),
                        }
                    )
                for values in planned:
                    if values["occurred_on"] > today:
                        continue
                    try:
                        transplant_event_record(
                            patient=patient, user=coordinators[patient.site.number], values=values
                        )
                    except ValidationError:
                        continue  # a date the patient's course refuses (after a death): not entered
