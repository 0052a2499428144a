"""Demo MRD assessments: a flow MRD at the protocol evaluation of every demo patient who
responded, an NPM1 qPCR beside some, and one before each allo-HSCT, entered through the
service as a coordinator would (so each negativity is derived by the protocol's rule)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

import protocol
from accounts.models import User
from demo.batches import batches
from demo.transplant_events import demo_transplant_events_seed
from visits.models import ResponseAssessment, Transplant
from visits.services import mrd_record

_RESPONDED = {c.value for c in protocol.DISEASE_CONTROLLED_RESPONSES}


def _flow(rng: random.Random, on: dt.date, timepoint: str) -> dict:
    """A flow MRD with a 10⁻⁴ assay: about half negative (below 10⁻³)."""
    values = {
        "assessed_on": on,
        "timepoint": timepoint,
        "method": protocol.MrdMethod.FLOW,
        "sensitivity": Decimal("0.0001"),
    }
    draw = rng.random()
    if draw < 0.25:
        return {**values, "result": protocol.MrdResult.BELOW_SENSITIVITY, "value": None}
    if draw < 0.55:
        return {**values, "result": protocol.MrdResult.VALUE, "value": Decimal("0.0004")}
    value = rng.choice([Decimal("0.002"), Decimal("0.008"), Decimal("0.03")])
    return {**values, "result": protocol.MrdResult.VALUE, "value": value}


def _npm1(rng: random.Random, on: dt.date, timepoint: str) -> dict:
    detected = rng.random() < 0.5
    return {
        "assessed_on": on,
        "timepoint": timepoint,
        "method": protocol.MrdMethod.NPM1_QPCR,
        "sensitivity": Decimal("0.00001"),
        "result": protocol.MrdResult.VALUE if detected else protocol.MrdResult.BELOW_SENSITIVITY,
        "value": Decimal("0.0002") if detected else None,
    }


def demo_mrd_seed(*, seed: int, coordinators: dict[int, User]) -> None:
    """Record the MRD assessments of the demo patients who responded, then what followed
    their allo-HSCT (demo/transplant_events.py): the one call of issue 13's items 2 and 6."""
    evaluations = ResponseAssessment.objects.filter(
        timepoint__in=protocol.PROTOCOL_EVALUATIONS, category__in=_RESPONDED
    ).select_related("patient", "patient__site")
    transplants = {t.patient_id: t for t in Transplant.objects.all()}
    for batch in batches(evaluations.order_by("patient__study_id")):
        with transaction.atomic():
            for evaluation in batch:
                patient = evaluation.patient
                rng = random.Random(f"{seed}:mrd:{patient.study_id}")
                user = coordinators[patient.site.number]
                planned = [
                    _flow(rng, evaluation.assessed_on, protocol.MrdTimepoint.AFTER_INDUCTION)
                ]
                if rng.random() < 0.3:
                    planned.append(
                        _npm1(rng, evaluation.assessed_on, protocol.MrdTimepoint.AFTER_INDUCTION)
                    )
                transplant = transplants.get(patient.pk)
                if transplant is not None:
                    before = transplant.transplanted_on - dt.timedelta(days=10)
                    if before > evaluation.assessed_on:
                        planned.append(_flow(rng, before, protocol.MrdTimepoint.BEFORE_HSCT))
                for values in planned:
                    try:
                        mrd_record(patient=patient, user=user, values=values)
                    except ValidationError:
                        continue  # a date the patient's course refuses (after a death): not entered
    demo_transplant_events_seed(seed=seed, coordinators=coordinators)
