"""Demo biology: every randomized demo patient's screening specimen (karyotype and the
mutation panel, agreeing with the screening's panel), and a re-testing after each on-study
relapse, entered through the service as a coordinator would."""

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
from biology.crfs import GENES, GENES_WITHOUT_VAF
from biology.models import KaryotypeResult, SpecimenTimepoint
from biology.services import specimen_record
from demo.batches import batches
from randomization.models import Randomization
from visits.models import ResponseAssessment

# The screening panel's genes (protocol.MUTATION_GENES) as the specimen's fields.
_FROM_SCREENING_PANEL = {
    "FLT3-ITD": ("flt3_itd",),
    "FLT3-TKD": ("flt3_tkd",),
    "NPM1": ("npm1",),
    "IDH1": ("idh1",),
    "IDH2": ("idh2",),
    "TP53": ("tp53",),
    "RUNX1": ("runx1",),
    "ASXL1": ("asxl1",),
    "CEBPA": ("cebpa_biallelic", "cebpa_bzip"),
}
# (weight, karyotype, ISCN with {sex} for the sex chromosomes, structured abnormalities)
_KARYOTYPES: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (45, KaryotypeResult.NORMAL, "46,{sex}[20]", ()),
    (12, KaryotypeResult.ABNORMAL, "47,{sex},+8[14]/46,{sex}[6]", ()),
    (6, KaryotypeResult.ABNORMAL, "46,{sex},t(9;11)(p21.3;q23.3)[20]", ("t_9_11",)),
    (6, KaryotypeResult.ABNORMAL, "45,{sex},-7[18]/46,{sex}[2]", ("monosomy_7",)),
    (
        8,
        KaryotypeResult.ABNORMAL,
        "44,{sex},del(5)(q13q33),-7,-17,+mar[20]",
        ("del_5q", "monosomy_7", "abn_17p", "complex_karyotype", "monosomal_karyotype"),
    ),
    (5, KaryotypeResult.ABNORMAL, "46,{sex},inv(16)(p13.1q22)[20]", ("inv_16",)),
    (5, KaryotypeResult.FAILED, "", ()),
)
_DETECTED = protocol.MutationResult.DETECTED
_NOT_DETECTED = protocol.MutationResult.NOT_DETECTED


def _vaf(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(50, 480)) / 10


def _specimen(
    rng: random.Random, panel: dict[str, str], on: dt.date, timepoint: str, sex: str
) -> dict[str, Any]:
    weights = [k[0] for k in _KARYOTYPES]
    _, karyotype, iscn, abnormalities = rng.choices(_KARYOTYPES, weights=weights)[0]
    values: dict[str, Any] = {
        "collected_on": on,
        "timepoint": timepoint,
        "karyotype": karyotype,
        # The patient's own sex chromosomes: a woman's cells are 46,XX.
        "karyotype_iscn": iscn.format(sex="XX" if sex == protocol.Sex.FEMALE else "XY"),
        **{name: True for name in abnormalities},
    }
    for gene in GENES:  # the genes the screening panel does not name: mostly negative
        values[gene] = _DETECTED if rng.random() < 0.06 else _NOT_DETECTED
    for name, result in panel.items():
        for gene in _FROM_SCREENING_PANEL.get(name, ()):
            values[gene] = result
    for gene in GENES:
        if values[gene] == _DETECTED and gene not in GENES_WITHOUT_VAF:
            values[f"{gene}_vaf"] = _vaf(rng)
    if values["flt3_itd"] == _DETECTED:
        values["flt3_itd_allelic_ratio"] = Decimal(rng.randint(10, 120)) / 100
    return values


def demo_biology_seed(*, seed: int, coordinators: dict[int, User]) -> None:
    """Record a screening specimen for every randomized demo patient, and a re-testing
    after each relapse recorded by the course."""
    relapses: dict[int, dt.date] = {}
    for r in ResponseAssessment.objects.filter(category=protocol.ResponseCategory.RELAPSE).order_by(
        "assessed_on"
    ):
        relapses.setdefault(r.patient_id, r.assessed_on)
    randomizations = Randomization.objects.select_related(
        "patient__site", "patient__screening"
    ).order_by("randomized_at", "patient__study_id")
    for batch in batches(randomizations):
        with transaction.atomic():
            for randomization in batch:
                patient = randomization.patient
                rng = random.Random(f"{seed}:biology:{patient.study_id}")
                user = coordinators[patient.site.number]
                randomized_on = timezone.localtime(randomization.randomized_at).date()
                screened_on = min(patient.screening.screened_on, randomized_on)
                panel = dict(patient.screening.mutations or {})
                planned = [
                    _specimen(rng, panel, screened_on, SpecimenTimepoint.SCREENING, patient.sex)
                ]
                if patient.pk in relapses:
                    on = relapses[patient.pk] + dt.timedelta(days=1)
                    planned.append(
                        _specimen(rng, panel, on, SpecimenTimepoint.RELAPSE, patient.sex)
                    )
                for values in planned:
                    try:
                        specimen_record(patient=patient, user=user, values=values)
                    except ValidationError:
                        continue  # a locked casebook, or a date after death: skip it
