"""Exports for statisticians: ADTTE from the same derivation as the analyses, streamed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from endpoints.imports import outcomes_import
from endpoints.models import ImportedOutcome

# R's reference trial (see tests/data/reference/PROVENANCE.md).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def _get(client: APIClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def _csv_rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@pytest.fixture
def reference_imported(data_manager):
    content = (REFERENCE / "trial_n300.csv").read_text()
    outcomes_import(content=content, filename="trial_n300.csv", user=data_manager)
    return list(csv.DictReader(io.StringIO(content)))


def test_it_derives_the_reference_os_from_imported_dates(reference_imported, sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    rows = _csv_rows(_get(client, "/api/v1/exports/adtte.csv?cutoff=2024-06-30"))
    os_rows = {r["USUBJID"].split("-", 1)[1]: r for r in rows if r["PARAMCD"] == "OS"}

    assert len(os_rows) == len(reference_imported) == 300
    for expected in reference_imported:
        row = os_rows[expected["patient_id"]]
        assert int(row["AVAL"]) == int(expected["os_days"]), expected["patient_id"]
        assert int(row["CNSR"]) == 1 - int(expected["os_event"]), expected["patient_id"]


def test_it_refuses_an_import_with_a_bad_line_and_imports_nothing(data_manager):
    content = (
        "patient_id,arm,regimen,site,randomized_on,death_on,last_alive_on,hsct_on\n"
        "A1,dex,intensive,S03,2024-01-10,,2024-05-01,\n"
        "A2,placebo,intensive,S03,2024-01-11,2023-12-01,2024-05-01,\n"
    )
    with pytest.raises(ValidationError) as refused:
        outcomes_import(content=content, filename="bad.csv", user=data_manager)

    problems = refused.value.message_dict["line 3"]
    assert any("arm 'placebo'" in p for p in problems)
    assert any("death_on 2023-12-01 is before randomized_on" in p for p in problems)
    assert not ImportedOutcome.objects.exists()


def test_it_signs_the_csv_with_the_cutoff_and_a_checksum_of_its_lines(reference_imported, sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    text = _get(client, "/api/v1/exports/adsl.csv?cutoff=2024-06-30")
    lines = text.splitlines(keepends=True)

    assert lines[0].startswith("# NCT03765541 ADSL; cutoff=2024-06-30; extracted_at=")
    body = "".join(lines[1:-1])
    assert lines[-1].strip() == (f"# rows=300; sha256={hashlib.sha256(body.encode()).hexdigest()}")


def test_it_streams_json_with_the_same_rows_and_a_checksum(reference_imported, sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    document = json.loads(_get(client, "/api/v1/exports/adtte.json?cutoff=2024-06-30"))

    assert document["cutoff"] == "2024-06-30"
    assert document["row_count"] == len(document["rows"])
    rows_text = ",".join(json.dumps(r) for r in document["rows"])
    assert document["sha256"] == hashlib.sha256(rows_text.encode()).hexdigest()


@pytest.mark.parametrize("cutoff", ["2024-02-30", "yesterday", "2999-01-01"])
def test_it_refuses_a_malformed_or_future_cutoff(sponsor, cutoff):
    client = APIClient()
    client.force_authenticate(sponsor)
    response = client.get(f"/api/v1/exports/adtte.csv?cutoff={cutoff}")

    assert response.status_code == 400
    assert "cutoff" in response.json()


def test_it_describes_every_exported_column(sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }

    adtte = {c["name"]: c for c in datasets["adtte"]["columns"]}
    assert {"AVAL", "CNSR", "PARAMCD", "STARTDT", "ADT", "EVNTDESC"} <= set(adtte)
    assert adtte["AVAL"]["type"] == "integer"
    assert {"STUDYID", "USUBJID", "SITEID", "TRT01P", "RANDDT", "STRAT1R"} <= {
        c["name"] for c in datasets["adsl"]["columns"]
    }


# Each raw table is a declared form: the patient, every field of the form as the casebook
# declares it (visits/crfs.py), and when the row was last written.
RAW_TABLE_COLUMNS = {
    "cycles": "NUMBER,PHASE,STARTED_ON,ENDED_ON,AMSACRINE_MG_M2,CYTARABINE_MG_M2,"
    "AZACITIDINE_MG_M2,DEXAMETHASONE_GIVEN,DEXAMETHASONE_MG,DELAY_DAYS,DOSE_REDUCED,"
    "MODIFICATION_NOTE",
    "responses": "ASSESSED_ON,TIMEPOINT,AFTER_CYCLE,CATEGORY,MARROW_BLASTS_PCT,ANC,PLATELETS,"
    "CIRCULATING_BLASTS,AUER_RODS,EXTRAMEDULLARY_DISEASE,TRANSFUSION_DEPENDENT,MRD_NEGATIVE",
    "transplant": "TRANSPLANTED_ON,DONOR_TYPE,CONDITIONING,DISEASE_STATUS,MRD_STATUS,GRAFT_SOURCE",
    "end-of-treatment": "ENDED_ON,REASON,NOTE",
    "follow-up-visits": "MONTH,TARGET_ON,WINDOW_OPENS_ON,WINDOW_CLOSES_ON,PERFORMED_ON,"
    "VITAL_STATUS,DISEASE_STATUS,NEW_THERAPY,TRANSPLANT_SINCE_LAST,MISSED_REASON",
    "off-study": "REASON,EVENT_ON,DEATH_CAUSE,FATAL_ADVERSE_EVENT,DATA_USE,NOTE",
    "adverse-events": "TERM,TERM_SPECIFIED,GRADE,SERIOUS,ONSET_ON,RESOLVED_ON,"
    "RELATED_TO_DEXAMETHASONE,RELATED_TO_SALVAGE,ACTION_TAKEN,SAE_REVIEWED_AT,"
    "TREATMENT_EMERGENT",  # computed when read, after the declared fields
}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_it_exports_each_form_as_a_raw_table_of_its_declared_fields(statistician, fmt):
    # The statistician's tables: every declared field, the arm's dexamethasone included
    # (blinded readers' tables: tests/api/test_results_by_arm_stay_confidential.py).
    client = APIClient()
    client.force_authenticate(statistician)

    for name, fields in RAW_TABLE_COLUMNS.items():
        text = _get(client, f"/api/v1/exports/{name}.{fmt}")
        if fmt == "csv":
            columns = next(line for line in text.splitlines() if not line.startswith("#"))
        else:
            columns = ",".join(json.loads(text)["columns"])
        assert columns == f"USUBJID,SITEID,{fields},UPDATED_AT", name


def test_it_describes_a_raw_column_with_its_unit_range_help_and_origin(sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }
    cycles = {c["name"]: c for c in datasets["cycles"]["columns"]}
    visits = {c["name"]: c for c in datasets["follow-up-visits"]["columns"]}

    assert datasets["transplant"]["description"] == "Allogeneic stem-cell transplants (raw)."
    assert cycles["CYTARABINE_MG_M2"] == {
        "name": "CYTARABINE_MG_M2",
        "label": "Cytarabine (mg/m², total)",
        "type": "decimal",
        "unit": "mg/m²",
        "minimum": 0,
        "maximum": 25000,
        "help_text": "",
        "origin": "entered",
    }
    assert cycles["NUMBER"]["origin"] == "derived"  # numbered by the service, never typed
    assert cycles["ENDED_ON"]["help_text"] == (
        "Leave empty while the cycle is running; only one cycle may be open."
    )
    assert visits["WINDOW_OPENS_ON"]["origin"] == "derived"
    assert visits["PERFORMED_ON"]["origin"] == "entered"
    assert visits["UPDATED_AT"]["type"] == "datetime"
    assert {"name": "AVAL", "unit": "days", "origin": "derived"}.items() <= {
        c["name"]: c for c in datasets["adtte"]["columns"]
    }["AVAL"].items()


def test_it_exports_with_queries_that_do_not_grow_with_the_rows(
    site_a, coordinator, data_manager, frozen_today
):
    from randomization.services import patient_randomize
    from tests.factories import screen_patient

    client = APIClient()
    client.force_authenticate(data_manager)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            _get(client, "/api/v1/exports/adsl.csv")
            _get(client, "/api/v1/exports/adtte.csv")
        return len(queries)

    for _ in range(2):
        patient_randomize(
            patient=screen_patient(site=site_a, user=coordinator),
            user=coordinator,
            regimen="intensive",
        )
    few = count_queries()
    for _ in range(6):
        patient_randomize(
            patient=screen_patient(site=site_a, user=coordinator),
            user=coordinator,
            regimen="azacitidine",
        )
    assert count_queries() == few


def test_it_limits_a_coordinator_export_to_their_sites(reference_imported, coordinator):
    client = APIClient()
    client.force_authenticate(coordinator)  # site 03
    rows = _csv_rows(_get(client, "/api/v1/exports/adsl.csv?cutoff=2024-06-30"))

    assert rows and {r["SITEID"] for r in rows} == {"03"}
    expected = sum(1 for r in reference_imported if r["site"] == "S03")
    assert len(rows) == expected
