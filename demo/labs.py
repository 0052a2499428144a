"""Demo blood counts and platelet transfusions: weekly counts through the first two cycles of
every demo patient, entered through the services as a coordinator would.

Each cycle has an aplasia (ANC and platelets fall from day 8) and, for most patients, a
recovery between days 22 and 40; some never recover before the counts stop or the patient
dies. Platelets are transfused while below 20 ×10⁹/L, so some platelet recoveries are hidden
for a week (labs/derivations.py).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from demo.batches import batches
from labs import services
from labs.models import TransfusionProduct
from labs.windows import cycle_windows
from visits.models import TreatmentCycle

SAMPLE_DAYS = (1, 8, 15, 22, 29, 36, 43)


def _count(rng: random.Random, day: int, recovers_on: int | None) -> dict[str, Decimal]:
    if day == 1:
        anc, platelets = rng.uniform(0.8, 3.0), rng.uniform(40, 180)
    elif recovers_on is not None and day >= recovers_on:
        anc, platelets = rng.uniform(0.6, 2.8), rng.uniform(45, 190)
    else:
        anc, platelets = rng.uniform(0.0, 0.4), rng.uniform(5, 40)
    return {
        "anc": Decimal(f"{anc:.2f}"),
        "platelets": Decimal(f"{platelets:.0f}"),
        "haemoglobin": Decimal(f"{rng.uniform(7.0, 11.5):.1f}"),
        "wbc": Decimal(f"{anc * 1.6 + 0.2:.2f}"),
        "peripheral_blasts_pct": Decimal(f"{rng.choice([0, 0, 0, 1, 4, 12])}"),
    }


def demo_labs_seed(*, seed: int, coordinators: dict[int, User], today: dt.date) -> None:
    """Record the counts (and platelet transfusions) of the demo patients' first two cycles.

    A patient's entries go in one batch (services.lab_entries_record, the same checks as
    one at a time); they stop at the first one refused, after the death or the end of the
    patient's data.
    """
    cycles = TreatmentCycle.objects.select_related("patient", "patient__site").order_by(
        "patient__study_id", "number"
    )
    by_patient: dict[int, list[TreatmentCycle]] = {}
    for cycle in cycles:
        by_patient.setdefault(cycle.patient_id, []).append(cycle)
    for batch in batches(by_patient.values()):
        with transaction.atomic():
            for patient_cycles in batch:
                patient = patient_cycles[0].patient
                rng = random.Random(f"{seed}:labs:{patient.study_id}")
                windows = cycle_windows(patient_cycles)
                entries: list[services.LabEntry] = []
                for cycle in patient_cycles[:2]:
                    window = windows[cycle.number]
                    recovers_on = rng.randint(22, 40) if rng.random() < 0.8 else None
                    for day in SAMPLE_DAYS:
                        on = cycle.started_on + dt.timedelta(days=day - 1)
                        if on > min(today, window.closes_on):
                            break
                        values: dict[str, Any] = {"cycle_number": cycle.number, "sampled_on": on}
                        values |= _count(rng, day, recovers_on)
                        entries.append(services.LabEntry(values))
                        if values["platelets"] < 20:
                            transfusion = {
                                "cycle_number": cycle.number,
                                "given_on": on,
                                "product": TransfusionProduct.PLATELETS,
                                "units": 1,
                            }
                            entries.append(services.LabEntry(transfusion, transfusion=True))
                services.lab_entries_record(
                    patient=patient,
                    user=coordinators[patient.site.number],
                    entries=entries,
                    until_refused=True,
                )
