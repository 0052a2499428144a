"""ADSL carries the baseline biology: the ELN risk derived from the screening specimen (2017
and 2022) beside the investigator's entry, and the karyotype and mutations that decide it;
the data dictionary says ELN is defined at diagnosis and is derived here at entry."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from rest_framework.test import APIClient

from biology.models import KaryotypeResult
from tests.biology.builders import record_specimen


def _adsl(user) -> list[dict[str, str]]:
    client = APIClient()
    client.force_authenticate(user)
    text = b"".join(client.get("/api/v1/exports/adsl.csv").streaming_content).decode()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_adsl_carries_the_derived_eln_risks_beside_the_investigator_s(
    ic_patient, coordinator, statistician
):
    # NPM1 with FLT3-ITD of low allelic ratio: favourable by 2017, intermediate by 2022.
    record_specimen(
        ic_patient,
        coordinator,
        mutated=("npm1", "flt3_itd", "srsf2"),
        flt3_itd_allelic_ratio=Decimal("0.3"),
        karyotype=KaryotypeResult.ABNORMAL,
        karyotype_iscn="47,XY,+8[15]/46,XY[5]",
    )
    (row,) = _adsl(statistician)
    assert (row["ELN2017"], row["ELN2022"], row["ELNINV"]) == (
        "favourable",
        "adverse",  # NPM1 with FLT3-ITD is no favourable subtype: SRSF2 counts (2022)
        "intermediate",
    )
    assert (row["NPM1"], row["FLT3ITD"], row["FLT3ITDR"], row["RUNX1"], row["MRGENE"]) == (
        "detected",
        "detected",
        "0.300",
        "not_detected",
        "detected",
    )
    assert (row["KARYO"], row["KARYOISC"], row["CPLXKAR"]) == (
        "abnormal",
        "47,XY,+8[15]/46,XY[5]",
        "N",
    )


def test_without_a_screening_specimen_the_eln_risk_is_not_assessable(ic_patient, statistician):
    (row,) = _adsl(statistician)
    assert (row["ELN2017"], row["ELN2022"], row["ELNINV"], row["NPM1"]) == (
        "not_assessable",
        "not_assessable",
        "intermediate",
        "",
    )


def test_the_dictionary_says_eln_is_defined_at_diagnosis(data_manager):
    client = APIClient()
    client.force_authenticate(data_manager)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }
    columns = {c["name"]: c for c in datasets["adsl"]["columns"]}
    for name in ("ELN2017", "ELN2022"):
        assert "defined at diagnosis" in columns[name]["help_text"]
        assert "relapsed or refractory" in columns[name]["help_text"]
