"""Demo concomitant medications: prophylaxis, G-CSF and corticosteroids, entered through
the service as a coordinator would, and one control-arm dexamethasone that shows the
deviation it opens."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from demo.batches import batches
from medications import drugs, services
from randomization.models import Randomization
from visits.models import OffStudy


def _medications(
    rng: random.Random, *, start: dt.date, last: dt.date, control: bool, show_deviation: bool
) -> list[dict]:
    """The medications of one patient between the randomization and `last`."""
    planned: list[dict] = []

    def course(
        drug: str,
        category: str,
        route: str,
        dose: str,
        unit: str,
        indication: str,
        days: int,
        offset: int = 1,
        detail: str = "",
    ) -> None:
        started = start + dt.timedelta(days=offset)
        if started > last:
            return
        stopped = min(started + dt.timedelta(days=days), last)
        planned.append(
            {
                "drug": drug,
                "category": category,
                "route": route,
                "dose": dose,
                "dose_unit": unit,
                "started_on": started,
                "stopped_on": stopped,
                "ongoing": False,
                "indication": indication,
                "indication_detail": detail,
            }
        )

    anti, cortico = drugs.Category.ANTI_INFECTIVE_PROPHYLAXIS, drugs.Category.CORTICOSTEROID
    course(
        "posaconazole",
        anti,
        drugs.Route.ORAL,
        "300",
        "mg",
        drugs.Indication.INFECTION_PROPHYLAXIS,
        days=28,
    )
    course(
        "valaciclovir",
        anti,
        drugs.Route.ORAL,
        "500",
        "mg",
        drugs.Indication.INFECTION_PROPHYLAXIS,
        days=28,
    )
    if rng.random() < 0.5:
        course(
            "filgrastim",
            drugs.Category.GCSF,
            drugs.Route.SUBCUTANEOUS,
            "300",
            "ug",
            drugs.Indication.NEUTROPENIA,
            days=10,
            offset=15,
        )
    if rng.random() < 0.3:
        course(
            "dexamethasone",
            cortico,
            drugs.Route.INTRAVENOUS,
            "8",
            "mg",
            drugs.Indication.ANTIEMETIC,
            days=3,
        )
    if show_deviation and control:
        course(
            "dexamethasone",
            cortico,
            drugs.Route.ORAL,
            "20",
            "mg",
            drugs.Indication.OTHER,
            days=4,
            offset=10,
            detail="Cerebral oedema",
        )
    return planned


def demo_medications_seed(*, seed: int, coordinators: dict[int, User], today: dt.date) -> None:
    """Give every randomized demo patient supportive care; the first control-arm patient
    also an oral dexamethasone outside the protocol (a deviation and a query)."""
    deaths = dict(
        OffStudy.objects.filter(reason=protocol.OffStudyReason.DEATH).values_list(
            "patient_id", "event_on"
        )
    )
    shown = False
    randomizations = Randomization.objects.select_related("patient__site").order_by(
        "randomized_at", "patient__study_id"
    )
    for batch in batches(randomizations):
        with transaction.atomic():
            for randomization in batch:
                patient = randomization.patient
                rng = random.Random(f"{seed}:medications:{patient.study_id}")
                control = randomization.arm != protocol.DEXAMETHASONE_ARM
                start = timezone.localtime(randomization.randomized_at).date()
                last = min(today, deaths.get(patient.pk, today))
                planned = _medications(
                    rng, start=start, last=last, control=control, show_deviation=not shown
                )
                user = coordinators[patient.site.number]
                # An entry the course does not allow (dated after the death) is left out. The
                # service names the coordinator as the author of any deviation it opens.
                saved = services.concomitant_medications_record(
                    patient=patient, user=user, entries=planned, skip_refused=True
                )
                shown = shown or (
                    control and any(s.record.indication == drugs.Indication.OTHER for s in saved)
                )
