"""Results by arm stay confidential while the trial runs (PROTOCOL.md, Standard analysis):
only the unblinded roles, the trial statistician and the data monitoring committee, may read
a patient's arm where it can be joined to outcomes; once the statistician has unblinded the
trial for the final analysis, the sponsor may too.

Swept over every export (each dataset, as CSV and as JSON), ODM, every list of the API and
the analysis runs, for every role, before and after the unblinding. What tells the arm, in
the protocol's words: the planned and actual treatment (TRT01P, TRT01A, the randomization's
arm), the position in the stratum, the dexamethasone given with each cycle (the DEX arm's
treatment), an adverse event's relation to dexamethasone ("not applicable": the control arm),
the deviations "dexamethasone given in the control arm" and "not given in the dexamethasone
arm", and analysis figures by arm. Each patient of `two_batches` has one record of every
kind, a cycle departing from their arm and a death: one group-by would give deaths by arm.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree
from rest_framework.test import APIClient

from accounts.models import Role
from endpoints.exports.tables import datasets
from endpoints.models import AnalysisRun
from endpoints.services import analysis_run_execute
from randomization.models import SequenceViewing, TrialUnblinding
from tests.api.lists import LISTS, rows
from tests.factories import UserFactory

ROLES = (
    "coordinator",
    "investigator",
    "monitor",
    "data_manager",
    "sponsor",
    "statistician",
    "dmc",
)
Y, N, U = "read", "withheld", "withheld until the trial is unblinded"

# fmt: off
# Who reads a patient's arm where. Y: the arm can be read; N: it cannot; U: it can once the
# statistician has unblinded the trial for the final analysis (the sponsor).
#                                 coord inv  mon  dm   sponsor stat dmc
TABLE = {
    "exports/adsl.csv":              (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adsl.json":             (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adtte.csv":             (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adtte.json":            (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adlb.csv":              (N,  N,   N,   N,   N,      N,   N),
    "exports/adlb.json":             (N,  N,   N,   N,   N,      N,   N),
    "exports/biology.csv":           (N,  N,   N,   N,   N,      N,   N),
    "exports/biology.json":          (N,  N,   N,   N,   N,      N,   N),
    "exports/disease-history.csv":   (N,  N,   N,   N,   N,      N,   N),
    "exports/disease-history.json":  (N,  N,   N,   N,   N,      N,   N),
    "exports/prior-regimens.csv":    (N,  N,   N,   N,   N,      N,   N),
    "exports/prior-regimens.json":   (N,  N,   N,   N,   N,      N,   N),
    "exports/cycles.csv":            (N,  N,   N,   N,   U,      Y,   Y),
    "exports/cycles.json":           (N,  N,   N,   N,   U,      Y,   Y),
    "exports/blood-counts.csv":      (N,  N,   N,   N,   N,      N,   N),
    "exports/blood-counts.json":     (N,  N,   N,   N,   N,      N,   N),
    "exports/transfusions.csv":      (N,  N,   N,   N,   N,      N,   N),
    "exports/transfusions.json":     (N,  N,   N,   N,   N,      N,   N),
    "exports/responses.csv":         (N,  N,   N,   N,   N,      N,   N),
    "exports/responses.json":        (N,  N,   N,   N,   N,      N,   N),
    "exports/mrd.csv":               (N,  N,   N,   N,   N,      N,   N),
    "exports/mrd.json":              (N,  N,   N,   N,   N,      N,   N),
    "exports/admrd.csv":             (N,  N,   N,   N,   U,      Y,   Y),
    "exports/admrd.json":            (N,  N,   N,   N,   U,      Y,   Y),
    "exports/transplant.csv":        (N,  N,   N,   N,   N,      N,   N),
    "exports/transplant.json":       (N,  N,   N,   N,   N,      N,   N),
    "exports/transplant-events.csv": (N,  N,   N,   N,   N,      N,   N),
    "exports/transplant-events.json": (N,  N,   N,   N,   N,      N,   N),
    "exports/end-of-treatment.csv":  (N,  N,   N,   N,   N,      N,   N),
    "exports/end-of-treatment.json": (N,  N,   N,   N,   N,      N,   N),
    "exports/follow-up-visits.csv":  (N,  N,   N,   N,   N,      N,   N),
    "exports/follow-up-visits.json": (N,  N,   N,   N,   N,      N,   N),
    "exports/off-study.csv":         (N,  N,   N,   N,   N,      N,   N),
    "exports/off-study.json":        (N,  N,   N,   N,   N,      N,   N),
    "exports/adverse-events.csv":    (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adverse-events.json":   (N,  N,   N,   N,   U,      Y,   Y),
    "exports/concomitant-medications.csv":  (N,  N,   N,   N,   N,      N,   N),
    "exports/concomitant-medications.json": (N,  N,   N,   N,   N,      N,   N),
    "exports/adcm.csv":              (N,  N,   N,   N,   U,      Y,   Y),
    "exports/adcm.json":             (N,  N,   N,   N,   U,      Y,   Y),
    "exports/odm/":                  (N,  N,   N,   N,   U,      Y,   Y),
    "patients/":                     (N,  N,   N,   N,   N,      N,   N),
    "randomizations/":               (N,  N,   N,   N,   U,      Y,   Y),
    "biology-specimens/":            (N,  N,   N,   N,   N,      N,   N),
    "disease-histories/":            (N,  N,   N,   N,   N,      N,   N),
    "prior-regimens/":               (N,  N,   N,   N,   N,      N,   N),
    "cycles/":                       (N,  N,   N,   N,   U,      Y,   Y),
    "blood-counts/":                 (N,  N,   N,   N,   N,      N,   N),
    "transfusions/":                 (N,  N,   N,   N,   N,      N,   N),
    "responses/":                    (N,  N,   N,   N,   N,      N,   N),
    "mrd-assessments/":              (N,  N,   N,   N,   N,      N,   N),
    "transplants/":                  (N,  N,   N,   N,   N,      N,   N),
    "transplant-events/":            (N,  N,   N,   N,   N,      N,   N),
    "ends-of-treatment/":            (N,  N,   N,   N,   N,      N,   N),
    "follow-up-visits/":             (N,  N,   N,   N,   N,      N,   N),
    "off-study/":                    (N,  N,   N,   N,   N,      N,   N),
    "adverse-events/":               (N,  N,   N,   N,   U,      Y,   Y),
    "concomitant-medications/":      (N,  N,   N,   N,   N,      N,   N),
    "deviations/":                   (N,  N,   N,   N,   U,      Y,   Y),
    "analysis-runs/":                (N,  N,   N,   N,   U,      Y,   Y),
}
# fmt: on

ARM_CODES = {"dex", "control", "DEX", "CONTROL"}
ARM_COLUMNS = {
    "TRT01P",
    "TRT01A",
    "DEXAMETHASONE_GIVEN",
    "DEXAMETHASONE_MG",
    "RELATED_TO_DEXAMETHASONE",
    "DEVFL",  # ADCM: only a control-arm patient's dexamethasone opens a deviation
}
ARM_FIELDS = {
    "arm",
    "sequence",
    "dexamethasone_given",
    "dexamethasone_mg",
    "related_to_dexamethasone",
}
ARM_DEVIATIONS = {"dex_given_to_control", "dex_missing"}
ARM_ITEMS = {
    "IT.RA.ARM",
    "IT.RA.SEQUENCE",
    "IT.CY.DEXAMETHASONE_GIVEN",
    "IT.CY.DEXAMETHASONE_MG",
    "IT.AE.RELATED_TO_DEXAMETHASONE",
}
BY_ARM_KEYS = {
    "by_arm",
    "comparison",
    "n_by_arm",
    "best_response_by_arm",
    "rates",
    "transplant_rate",
}
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _download(api: APIClient, url: str) -> str:
    response = api.get(url)
    assert response.status_code == 200, (url, response.content)
    return b"".join(response.streaming_content).decode()


def _arm_in_table(columns: list[str], cells: list[list[Any]]) -> bool:
    assert cells, "no rows: the sweep would prove nothing"
    return bool(ARM_COLUMNS & set(columns)) or any(c in ARM_CODES for row in cells for c in row)


def _arm_in_export(api: APIClient, endpoint: str) -> bool:
    text = _download(api, f"/api/v1/{endpoint}")
    if endpoint.endswith(".csv"):
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        header, *cells = list(csv.reader(io.StringIO("\n".join(lines))))
        return _arm_in_table(header, cells)
    document = json.loads(text)
    return _arm_in_table(document["columns"], [list(r.values()) for r in document["rows"]])


def _arm_in_odm(api: APIClient) -> bool:
    document = etree.fromstring(_download(api, "/api/v1/exports/odm/").encode())
    assert document.xpath("//odm:SubjectData", namespaces=NS)
    # The metadata describes the arm item to everyone; the data are what is read.
    items = set(document.xpath("//odm:ClinicalData//odm:ItemData/@ItemOID", namespaces=NS))
    return bool(items & ARM_ITEMS)


def _arm_in_list(api: APIClient, endpoint: str) -> bool:
    found = rows(api, f"/api/v1/{endpoint}")
    assert found, f"{endpoint}: no rows, the sweep would prove nothing"
    if endpoint == "analysis-runs/":
        keys = set(_keys([r["results"] for r in found if r["results"]]))
        return bool(keys & (BY_ARM_KEYS | ARM_CODES))
    return any(
        ARM_FIELDS & set(row)
        or row.get("kind") in ARM_DEVIATIONS
        or any(value in ARM_CODES for value in row.values() if isinstance(value, str))
        for row in found
    )


def arm_readable(api: APIClient, endpoint: str) -> bool:
    """Whether a patient's arm can be read from this endpoint's answer."""
    if endpoint == "exports/odm/":
        return _arm_in_odm(api)
    if endpoint.startswith("exports/"):
        return _arm_in_export(api, endpoint)
    return _arm_in_list(api, endpoint)


@pytest.fixture
def staff(coordinator, investigator, data_manager, sponsor, statistician, dmc, site_a):
    """One account per role; the site-bound ones work at site 03."""
    return {
        "coordinator": coordinator,
        "investigator": investigator,
        "monitor": UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a]),
        "data_manager": data_manager,
        "sponsor": sponsor,
        "statistician": statistician,
        "dmc": dmc,
    }


@pytest.fixture
def trial(two_batches) -> None:
    """Both batches, and the analysis of the later cut-off computed."""
    run = AnalysisRun.objects.order_by("-cutoff").first()
    assert analysis_run_execute(run_id=run.pk).status == AnalysisRun.Status.DONE


def _unblind(statistician) -> None:
    TrialUnblinding.objects.create(unblinded_by=statistician, reason="Final analysis")


def test_the_sweep_covers_every_export_and_every_list(db):
    exports = {f"exports/{name}.{fmt}" for name in datasets() for fmt in ("csv", "json")}
    lists = {f"{endpoint.name}/" for endpoint in LISTS}

    assert set(TABLE) == exports | lists | {"exports/odm/"}


@pytest.mark.parametrize("unblinded", [False, True], ids=["while-the-trial-runs", "unblinded"])
@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_unblinded_roles_read_the_arm_in_any_export_list_or_api(
    role, unblinded, trial, staff, api_as
):
    if unblinded:
        _unblind(staff["statistician"])
    api = api_as(staff[role])
    column = ROLES.index(role)

    found = {endpoint: arm_readable(api, endpoint) for endpoint in TABLE}

    expected = {
        endpoint: row[column] == Y or (unblinded and row[column] == U)
        for endpoint, row in TABLE.items()
    }
    assert found == expected


def test_it_gives_the_allocation_position_to_the_unblinded_roles_only(trial, staff, api_as):
    _unblind(staff["statistician"])  # the sponsor then reads arms, never positions

    for role in ROLES:
        found = rows(api_as(staff[role]), "/api/v1/randomizations/")
        assert found
        assert all(("sequence" in r) == (role in ("statistician", "dmc")) for r in found), role


def test_it_gives_a_blinded_reader_the_two_dexamethasone_deviations_as_one_kind(
    trial, staff, api_as
):
    found = rows(api_as(staff["data_manager"]), "/api/v1/deviations/")

    masked = [r for r in found if r["kind"] == "dex_not_as_randomized"]
    assert len(masked) == 2  # one per patient: each cycle departs from the arm
    for row in masked:
        assert "arm" not in row["description"]
        assert row["description"].startswith(f"Cycle {row['cycle']}: dexamethasone not as")


def test_it_says_which_columns_it_withheld_from_a_blinded_reader(trial, staff, api_as):
    api = api_as(staff["sponsor"])

    text = _download(api, "/api/v1/exports/adsl.csv")
    document = json.loads(_download(api, "/api/v1/exports/cycles.json"))

    assert text.splitlines()[0].endswith("; arms=withheld")
    assert document["arms_withheld"] == ["DEXAMETHASONE_GIVEN", "DEXAMETHASONE_MG"]
    assert "DEXAMETHASONE_GIVEN" not in document["columns"]
    statistician = json.loads(
        _download(api_as(staff["statistician"]), "/api/v1/exports/cycles.json")
    )
    assert statistician["arms_withheld"] == []


def test_it_withholds_the_arm_from_a_blinded_readers_odm_with_its_audit_trail(trial, staff, api_as):
    document = etree.fromstring(
        _download(api_as(staff["sponsor"]), "/api/v1/exports/odm/?audit=true").encode()
    )

    items = set(document.xpath("//odm:ClinicalData//odm:ItemData/@ItemOID", namespaces=NS))
    assert "IT.RA.RANDOMIZED_AT" in items
    assert not items & ARM_ITEMS


def test_the_data_dictionary_names_the_columns_withheld_from_blinded_readers(staff, api_as):
    described = api_as(staff["sponsor"]).get("/api/v1/exports/dictionary/").json()["datasets"]
    withheld = {d["dataset"]: d["withheld_while_blinded"] for d in described}

    assert withheld["adsl"] == ["TRT01P", "TRT01A"]
    assert withheld["adtte"] == ["TRT01P"]
    assert withheld["cycles"] == ["DEXAMETHASONE_GIVEN", "DEXAMETHASONE_MG"]
    assert withheld["adverse-events"] == ["RELATED_TO_DEXAMETHASONE"]
    assert withheld["responses"] == withheld["off-study"] == []


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_it_records_each_reading_of_the_arms_in_a_list_or_an_export(role, trial, staff, api_as):
    api = api_as(staff[role])

    rows(api, "/api/v1/randomizations/")
    _download(api, "/api/v1/exports/adsl.csv")
    _download(api, "/api/v1/exports/odm/")
    _download(api, "/api/v1/exports/responses.csv")  # no arm in it: nothing to record

    assert sorted(
        SequenceViewing.objects.filter(viewed_by=staff[role]).values_list("what", flat=True)
    ) == ["ODM export with the arms", "adsl export with the arms", "randomization list (API)"]


def test_it_records_no_reading_of_the_arms_by_a_blinded_reader(trial, staff, api_as):
    for role in ("coordinator", "data_manager", "sponsor"):
        api = api_as(staff[role])
        rows(api, "/api/v1/randomizations/")
        _download(api, "/api/v1/exports/adsl.csv")
        _download(api, "/api/v1/exports/odm/")

    assert not SequenceViewing.objects.exists()
