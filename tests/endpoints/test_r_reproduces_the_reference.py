"""R, run here, recomputes every figure of reference_trial_n300.json from trial_n300.csv.

The reference came without its script (PROVENANCE.md); r_scripts/trial_n300_figures.R redoes
its calls with base R and survival, and this test runs it: every figure equals the committed
one to 1e-6 (counts and strings exactly), and none is missing. So the reference the analyses
are held to is reproducible, on this machine and in CI, which installs R (.ci/install-r).
Outside CI a machine without R skips it; in CI a skip is a failure.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.endpoints.r_reference import agree, reference

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "tests/data/reference/r_scripts/trial_n300_figures.R"
# Prose and the versions that made the file: not figures to recompute.
NOT_FIGURES = ("notes.", "software.")


def flattened(value: Any, path: str = "") -> dict[str, Any]:
    """The JSON's leaves under the script's keys: dotted paths, list items from 1."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value, start=1))
    else:
        return {path: value}
    leaves: dict[str, Any] = {}
    for key, child in items:
        leaves |= flattened(child, f"{path}.{key}" if path else key)
    return leaves


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (CI installs it)")
def test_r_recomputes_every_reference_figure_from_the_trial_csv():
    ran = subprocess.run(
        ["Rscript", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert ran.returncode == 0, ran.stderr
    printed = dict(csv.reader(io.StringIO(ran.stdout)))
    expected = {
        key: value
        for key, value in flattened(reference("reference_trial_n300.json")).items()
        if not key.startswith(NOT_FIGURES)
    }

    assert sorted(set(expected) - set(printed)) == []
    assert sorted(set(printed) - set(expected) - {"software.R", "software.survival"}) == []
    differing = {}
    for key, theirs in expected.items():
        ours = printed[key]
        if theirs is None or isinstance(theirs, float):
            same = agree(float(ours) if ours else None, theirs)
        elif isinstance(theirs, int):
            same = ours == str(theirs)
        else:
            same = ours == theirs
        if not same:
            differing[key] = (ours, theirs)
    assert differing == {}
    assert len(expected) > 3000  # the full survfit tables, not a handful of summaries
