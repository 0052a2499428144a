"""Biology specimens made through the real service, each test stating only what matters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import protocol
from accounts.models import User
from biology.crfs import GENES
from biology.models import KaryotypeResult, Specimen, SpecimenTimepoint
from biology.services import specimen_record
from patients.models import Patient

SCREENING_SPECIMEN_ON = dt.date(2025, 3, 3)  # two days before the randomization
DETECTED = protocol.MutationResult.DETECTED


def specimen_values(
    collected_on: dt.date = SCREENING_SPECIMEN_ON,
    timepoint: str = SpecimenTimepoint.SCREENING,
    *,
    mutated: tuple[str, ...] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """Return a normal karyotype with every gene tested: negative unless named `mutated`."""
    values: dict[str, Any] = {
        "collected_on": collected_on,
        "timepoint": timepoint,
        "karyotype": KaryotypeResult.NORMAL,
        "karyotype_iscn": "46,XY[20]",
    }
    for gene in GENES:
        values[gene] = DETECTED if gene in mutated else protocol.MutationResult.NOT_DETECTED
    values.update(overrides)
    return values


def record_specimen(patient: Patient, user: User, **values: Any) -> Specimen:
    return specimen_record(patient=patient, user=user, values=specimen_values(**values)).record
