"""The committed rpact reference is what its R script prints: run it again and compare.

CI installs R and rpact from Debian's packages (r-base-core r-cran-rpact), so this test runs
there; without Rscript it fails, saying so, rather than being skipped.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

from tests.endpoints.r_reference import REFERENCE, reference

SCRIPT = REFERENCE / "r_scripts" / "group_sequential.R"


def _same(fresh: list[float | None], kept: list[float | None]) -> bool:
    """Equal to 1e-10 (the same R and rpact print the same digits), R's Inf (null) to null."""
    return len(fresh) == len(kept) and all(
        (a is None and b is None)
        or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-14))
        for a, b in zip(fresh, kept, strict=True)
    )


def test_the_r_script_prints_the_committed_reference():
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail("Rscript is needed: apt-get install r-base-core r-cran-rpact")

    printed = subprocess.run(
        [rscript, "--vanilla", str(SCRIPT)], capture_output=True, text=True, check=True, timeout=300
    )
    rerun = json.loads(printed.stdout)

    committed = reference("reference_group_sequential.json")
    assert rerun["software"]["rpact"] == committed["software"]["rpact"]
    assert [d["name"] for d in rerun["designs"]] == [d["name"] for d in committed["designs"]]
    for fresh, kept in zip(
        rerun["designs"] + rerun["looks_taken"],
        committed["designs"] + committed["looks_taken"],
        strict=True,
    ):
        for key in ("criticalValues", "stageLevels", "alphaSpent"):
            assert _same(fresh[key], kept[key]), (fresh["name"], key)
