"""Demo prior therapy and disease history: for each screened patient, the regimens and the
course before the study that its screening's disease status and prior lines describe,
entered through the services as a coordinator would. A later relapse after a prior
allo-HSCT is a relapse after allo-HSCT by the derivation: those patients show the query
the disagreement raises."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

import protocol
from accounts.models import User
from demo.batches import batches
from patients import history_services
from patients.models import Patient
from protocol.prior_therapy import PriorRegimenName, PriorResponse

Status = protocol.DiseaseStatus
SALVAGE = (
    PriorRegimenName.FLAG_IDA,
    PriorRegimenName.VENETOCLAX_AZACITIDINE,
    PriorRegimenName.GILTERITINIB,
    PriorRegimenName.AZACITIDINE,
)


def _day(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)


def _course(rng: random.Random, patient: Patient) -> tuple[list[dict], dict]:
    """The regimens and the history of one patient, as its screening describes them."""
    screening = patient.screening
    diagnosis_on, relapse_on = screening.diagnosis_on, screening.disease_status_on
    assert diagnosis_on is not None and relapse_on is not None
    status, lines = screening.disease_status, screening.prior_lines or 1
    induction = rng.choice(
        [PriorRegimenName.SEVEN_PLUS_THREE, PriorRegimenName.IDARUBICIN_CYTARABINE]
    )
    first: dict[str, Any] = {"regimen": induction, "started_on": _day(diagnosis_on, 5)}
    first["ended_on"] = _day(first["started_on"], 6)
    if status == Status.PRIMARY_REFRACTORY:
        first["best_response"] = rng.choice([PriorResponse.PR, PriorResponse.NO_RESPONSE])
        return [first], {"first_cr_on": None, "relapses": 0}

    first["best_response"] = rng.choice([PriorResponse.CR, PriorResponse.CR, PriorResponse.CRI])
    first_cr_on = _day(diagnosis_on, 35)
    regimens = [first]
    span = (relapse_on - first_cr_on).days
    if span > 120 and rng.random() < 0.6:
        consolidation_on = _day(first_cr_on, 20)
        regimens.append(
            {
                "regimen": PriorRegimenName.HIDAC_CONSOLIDATION,
                "started_on": consolidation_on,
                "ended_on": _day(consolidation_on, 5),
                "best_response": PriorResponse.CR,
            }
        )
    # Later lines, each after a relapse, spread over the first remission's end to now.
    first_relapse_on = relapse_on
    for line in range(1, lines):
        started_on = _day(first_cr_on, 60 + (span - 60) * line // lines)
        if line == 1:
            first_relapse_on = _day(started_on, -1)
        regimens.append(
            {
                "regimen": rng.choice(SALVAGE),
                "started_on": started_on,
                "ended_on": min(_day(started_on, 6), relapse_on),
                "best_response": PriorResponse.CR if line < lines - 1 else PriorResponse.CRI,
            }
        )
    history = {
        "first_cr_on": first_cr_on,
        "first_relapse_on": first_relapse_on,
        "relapses": max(lines, 1) if status == Status.LATER_RELAPSE else 1,
    }
    if screening.prior_allo_hsct:
        history["prior_hsct_on"] = _day(first_cr_on, max(30, span // 2))
    return regimens, history


def demo_disease_history_seed(*, seed: int, coordinators: dict[int, User]) -> int:
    """Enter the prior therapy and disease history of every screened patient with a full
    baseline; return how many histories were entered."""
    rng = random.Random(seed + 4)
    entered = 0
    patients = (
        Patient.objects.select_related("site", "screening")
        .exclude(screening__disease_status="")
        .filter(screening__diagnosis_on__isnull=False, screening__disease_status_on__isnull=False)
        .order_by("pk")
    )
    for batch in batches(patients):
        with transaction.atomic():
            for patient in batch:
                user = coordinators[patient.site.number]
                regimens, history = _course(rng, patient)
                history_services.prior_therapy_record(
                    patient=patient, user=user, regimens=regimens, history_values=history
                )
                entered += 1
    return entered
