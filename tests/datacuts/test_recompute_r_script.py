"""The R script frozen with a cut recomputes every OS and EFS figure from the CSVs with
`survival` and finds the results JSON again; one altered CSV value makes it fail."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

from datacuts.models import DataCutPackage
from datacuts.recompute import expected_figures
from tests.datacuts.conftest import package_files

# R 4.2 with survival, installed here and in CI (r-base-core, r-cran-survival): never skipped.
RSCRIPT = shutil.which("Rscript") or "Rscript"


def _unzipped(cut, into: Path) -> Path:
    package = DataCutPackage.objects.get(cut=cut)
    with zipfile.ZipFile(io.BytesIO(bytes(package.content))) as archive:
        archive.extractall(into)
    return into


def _recompute(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RSCRIPT, "recompute.R"], cwd=directory, capture_output=True, text=True, timeout=120
    )


def test_it_finds_every_os_and_efs_figure_of_the_results_again(frozen_cut, tmp_path):
    directory = _unzipped(frozen_cut, tmp_path)

    run = _recompute(directory)

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    verdicts = [line for line in lines if line.startswith(("PASS ", "FAIL "))]
    results = json.loads((directory / "results.json").read_text())
    keys = [key for key, _ in expected_figures(results)]
    assert [line.split()[1] for line in verdicts] == keys
    assert all(line.startswith("PASS ") for line in verdicts)
    # The hand-made trial has both arms in OS: its comparison, plain and stratified, is checked.
    for key in (
        "OS.km.dex.median",
        "OS.logrank.chisq",
        "OS.logrank_stratified.p",
        "OS.cox.hr",
        "OS.cox_stratified.hr_upper",
        "EFS.km.pooled.events",
    ):
        assert f"PASS {key} " in run.stdout
    assert lines[-1] == f"{len(keys)} figures, 0 FAIL"


def test_it_fails_when_one_value_of_a_csv_is_altered(frozen_cut, tmp_path):
    directory = _unzipped(frozen_cut, tmp_path)
    adtte = directory / "datasets" / "adtte.csv"
    lines = adtte.read_text().splitlines(keepends=True)
    header = lines[1].rstrip("\n").split(",")
    aval = header.index("AVAL")
    row = next(i for i, line in enumerate(lines) if ",OS," in line and "L-001" in line)
    cells = lines[row].rstrip("\n").split(",")
    cells[aval] = str(int(cells[aval]) + 1)  # one day more for one legacy patient's OS
    lines[row] = ",".join(cells) + "\n"
    adtte.write_text("".join(lines))

    run = _recompute(directory)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL OS.km.pooled.median " in run.stdout or "FAIL OS.logrank.chisq " in run.stdout
    assert "PASS EFS.km.pooled.n " in run.stdout  # what the change does not touch still agrees
    assert run.stdout.splitlines()[-1].endswith(" FAIL") and " 0 FAIL" not in run.stdout


def test_the_package_files_hold_the_script_and_its_expected_figures(frozen_cut):
    files = package_files(bytes(DataCutPackage.objects.get(cut=frozen_cut).content))
    assert files["recompute.R"].startswith(b"# Recompute every overall and event-free")
    assert files["expected.csv"].splitlines()[0] == b"key,value"
