"""A frozen package holds every dataset, its dictionary, the results by arm, the figures,
the R script and a manifest whose SHA-256s are those of the files."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from datacuts import services
from datacuts.models import DataCutPackage
from endpoints.exports.tables import datasets
from tests.datacuts.conftest import CUTOFF, LEGACY, manifest_of, package_files


def _rows(text: bytes) -> list[dict[str, str]]:
    lines = [line for line in text.decode().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_it_holds_every_file_the_manifest_names_with_its_sha256(
    hand_made_trial, data_manager, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        # The data manager freezes; the package is built as the statistician reads the trial.
        cut = services.data_cut_freeze(user=data_manager, cutoff=CUTOFF, label="Week 13")
    cut.refresh_from_db()
    files = package_files(bytes(DataCutPackage.objects.get(cut=cut).content))
    manifest = manifest_of(files)

    dataset_files = {f"datasets/{name}.csv" for name in datasets()}
    assert {"datasets/adsl.csv", "datasets/adtte.csv", "datasets/adlb.csv"} <= dataset_files
    assert set(files) == {
        *dataset_files,
        "define.json",
        "results.json",
        "expected.csv",
        "recompute.R",
        "README.txt",
        "manifest.json",
        "figures/OS_by_arm.svg",
        "figures/OS_pooled.svg",
        "figures/EFS_by_arm.svg",
        "figures/EFS_pooled.svg",
        "figures/OS_SUBGROUPS_by_arm.svg",
    }
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest(), name
        assert entry["bytes"] == len(files[name])
    assert manifest["data_fingerprint"] == cut.fingerprint
    assert manifest["code_version"] == cut.code_version != ""
    assert (manifest["cutoff"], manifest["label"]) == ("2025-06-01", "Week 13")
    assert manifest["requested_by"] == data_manager.staff_id

    # The datasets with the arms, whoever froze: 6 recorded and 24 legacy patients.
    adsl = _rows(files["datasets/adsl.csv"])
    assert len(adsl) == 6 + len(LEGACY)
    assert {row["TRT01P"] for row in adsl} == {"DEX", "CONTROL"}
    adtte = _rows(files["datasets/adtte.csv"])
    assert sum(row["PARAMCD"] == "OS" for row in adtte) == 30
    assert files["datasets/adtte.csv"].startswith(b"# NCT03765541 ADTTE; cutoff=2025-06-01;")

    # The results by arm, as the worker computes them.
    results = json.loads(files["results.json"])
    assert results["cutoff"] == "2025-06-01"
    assert results["endpoints"]["OS"]["by_arm"]["dex"]["n"] == 12 + sum(
        1 for arm in hand_made_trial["arms"].values() if arm == "dex"
    )
    assert results["endpoints"]["OS"]["comparison"]["stratified"]["cox"]["hr"] > 0
    assert files["figures/OS_by_arm.svg"].lstrip().startswith((b"<?xml", b"<svg"))

    # The dictionary: every dataset's variables with label, type, codelist, unit, origin.
    define = json.loads(files["define.json"])["datasets"]
    assert set(define) == set(datasets())
    variables = {v["name"]: v for v in define["adtte"]["variables"]}
    assert variables["AVAL"]["unit"] == "days" and variables["AVAL"]["type"] == "integer"
    assert [c["code"] for c in variables["PARAMCD"]["codelist"]] == ["OS", "EFS", "LFS"]
    assert variables["TRT01P"]["codelist"][0] == {"code": "DEX", "decode": "Dexamethasone"}
    assert variables["AVAL"]["origin"] == "derived"
    cycles = {v["name"]: v for v in define["cycles"]["variables"]}
    assert cycles["PHASE"]["codelist"] and cycles["STARTED_ON"]["origin"] == "entered"
