"""ADLB: one row per sample and count, then each cycle's derived parameters (DTYPE DERIVED),
dated on or before the cut-off; the dictionary says how each parameter is derived."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from rest_framework.test import APIClient

from labs.derivations import DEFINITIONS
from tests.labs.builders import record_count, record_transfusion
from tests.labs.conftest import CYCLE_1_ON

COLUMNS = [
    "STUDYID",
    "USUBJID",
    "SITEID",
    "CYCLE",
    "PARAMCD",
    "PARAM",
    "AVAL",
    "AVALU",
    "ADT",
    "ADY",
    "DTYPE",
    "CNSR",
    "EVNTDESC",
]


def _day(n: int) -> dt.date:
    return CYCLE_1_ON + dt.timedelta(days=n - 1)


def _adlb(user, cutoff: str) -> list[dict[str, str]]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/exports/adlb.csv?cutoff={cutoff}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0].split(",") == COLUMNS
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_it_exports_each_count_and_the_cycles_derived_values(induced_patient, coordinator, sponsor):
    record_count(induced_patient, coordinator, 1, _day(1), anc=Decimal("2.1"))
    record_count(induced_patient, coordinator, 1, _day(10), platelets=Decimal("12"))
    record_count(
        induced_patient, coordinator, 1, _day(24), anc=Decimal("0.8"), platelets=Decimal("55")
    )
    record_transfusion(induced_patient, coordinator, 1, _day(18))

    rows = _adlb(sponsor, "2025-06-01")  # no arm in ADLB: a blinded sponsor reads it all
    by_code = {(r["PARAMCD"], r["ADT"]): r for r in rows}

    anc = by_code[("ANC", "2025-03-15")]
    assert (anc["CYCLE"], anc["AVAL"], anc["AVALU"], anc["ADY"], anc["DTYPE"]) == (
        "1",
        "0.20",
        "×10⁹/L",
        "10",
        "",
    )
    assert {r["PARAMCD"] for r in rows if not r["DTYPE"]} == {"ANC", "PLAT", "HGB", "WBC", "PBLAST"}
    derived = {r["PARAMCD"]: r for r in rows if r["DTYPE"] == "DERIVED"}
    assert derived["ANCL05D"]["AVAL"] == "14"  # days 10 to 23, carried forward
    assert derived["ANCR05"]["AVAL"] == "24" and derived["ANCR05"]["CNSR"] == "0"
    assert derived["ANCR05"]["ADT"] == "2025-03-29"
    # Platelets 55 on day 24, a transfusion on day 18 (6 days before): not a recovery.
    assert derived["PLTR50"]["CNSR"] == "1"
    assert (
        derived["PLTR50"]["EVNTDESC"] == "Counts stopped before recovery (last count 29/03/2025)."
    )


def test_it_leaves_out_what_was_sampled_after_the_cut_off(induced_patient, coordinator, sponsor):
    record_count(induced_patient, coordinator, 1, _day(1))
    record_count(induced_patient, coordinator, 1, _day(20))

    rows = _adlb(sponsor, "2025-03-20")

    assert {r["ADT"] for r in rows if not r["DTYPE"]} == {"2025-03-06"}


def test_the_dictionary_says_how_each_parameter_is_derived(data_manager):
    client = APIClient()
    client.force_authenticate(data_manager)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }

    parameters = {p["code"]: p["derivation"] for p in datasets["adlb"]["parameters"]}
    assert set(parameters) == {"ANC", "PLAT", "HGB", "WBC", "PBLAST", *DEFINITIONS}
    assert parameters["PLTR50"] == DEFINITIONS["PLTR50"]
    assert "7 days before" in parameters["PLTR50"]
    assert [c["name"] for c in datasets["adlb"]["columns"]] == COLUMNS
