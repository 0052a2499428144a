"""The ELN 2017 risk counted by the database (biology.selectors.screening_eln2017_counts:
specimens grouped by what eln2017 reads of them, biology.eln.ELN2017_ABNORMALITY_SETS and
ELN2017_GENES, each group's risk asked of eln2017 once) is the risk eln2017 derives from the
whole specimen: tried on several hundred karyotypes and mutation panels, drawn at random
and at the edges of the table (APL, a failed karyotype, FLT3-ITD at a ratio of exactly 0.5 or
without one, genes not tested), each written on one screening specimen in turn."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import protocol
from biology.crfs import GENES
from biology.eln import Abnormality, eln2017
from biology.models import KaryotypeResult, Specimen
from biology.selectors import screening_eln2017_counts, specimen_genetics
from patients.models import Patient
from tests.biology.builders import record_specimen

RESULTS = list(protocol.MutationResult.values)
RATIOS = [None, Decimal("0.1"), Decimal("0.499"), Decimal("0.5"), Decimal("0.9")]


def _drawn(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {"karyotype": rng.choice(list(KaryotypeResult.values))}
    for abnormality in Abnormality:
        values[abnormality.value] = rng.random() < 0.12
    for gene in GENES:
        values[gene] = rng.choice(RESULTS)
    values["flt3_itd_allelic_ratio"] = rng.choice(RATIOS)
    values["tp53_vaf"] = rng.choice([None, Decimal("5"), Decimal("40")])
    return values


def _edges() -> list[dict[str, Any]]:
    normal: dict[str, Any] = {
        "karyotype": KaryotypeResult.NORMAL,
        **{a.value: False for a in Abnormality},
        **dict.fromkeys(GENES, protocol.MutationResult.NOT_DETECTED),
        "flt3_itd_allelic_ratio": None,
        "tp53_vaf": None,
    }
    detected, untested = protocol.MutationResult.DETECTED, protocol.MutationResult.NOT_TESTED
    return [
        normal,
        {**normal, "t_15_17": True},
        {**normal, "karyotype": KaryotypeResult.FAILED},
        {**normal, "karyotype": KaryotypeResult.FAILED, "t_8_21": True},
        {
            **normal,
            "npm1": detected,
            "flt3_itd": detected,
            "flt3_itd_allelic_ratio": Decimal("0.5"),
        },
        {
            **normal,
            "npm1": detected,
            "flt3_itd": detected,
            "flt3_itd_allelic_ratio": Decimal("0.49"),
        },
        {**normal, "npm1": detected, "flt3_itd": detected},
        {**normal, "flt3_itd": untested, "flt3_itd_allelic_ratio": Decimal("0.9")},
        {**normal, "t_9_11": True, "tp53": detected},
        {**normal, "inv_16": True, "monosomy_7": True},
        {**normal, "runx1": untested, "asxl1": protocol.MutationResult.NOT_DETECTED},
        {**normal, "cebpa_biallelic": detected, "runx1": detected},
        {**normal, "tp53": untested, "bcor": detected, "tp53_vaf": Decimal("40")},
    ]


def test_the_grouped_count_gives_the_risk_eln2017_derives(ic_patient, coordinator):
    specimen = record_specimen(ic_patient, coordinator)
    patients = Patient.objects.filter(pk=ic_patient.pk)
    rng = random.Random(2018)
    tried = _edges() + [_drawn(rng) for _ in range(400)]
    risks = set()

    for values in tried:
        Specimen.objects.filter(pk=specimen.pk).update(**values)
        specimen.refresh_from_db()
        expected = eln2017(specimen_genetics(specimen)).value
        risks.add(expected)

        assert screening_eln2017_counts(patients, {}) == {(): {expected: 1}}, values

    assert len(risks) == 4  # every risk group, "not assessable" included


def test_a_patient_without_a_screening_specimen_counts_under_none(ic_patient):
    counts = screening_eln2017_counts(Patient.objects.filter(pk__in=[ic_patient.pk]), {})

    assert counts == {(): {"": 1}}
