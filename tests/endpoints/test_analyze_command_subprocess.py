"""The statistician's two commands run as processes: import R's reference trial, analyse it.

What a statistician types at the server's shell, with the exit status and the streams a
script would read: the JSON on stdout equals R's figures; a refusal exits non-zero with the
reason on stderr and nothing on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.endpoints.r_reference import REFERENCE, agree, reference

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the processes read committed rows


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _test_database_url()},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_it_imports_and_analyses_the_reference_trial_from_the_shell(data_manager):
    imported = manage("import_outcomes", str(REFERENCE / "trial_n300.csv"), "--user", "dm")
    assert imported.returncode == 0, imported.stderr
    expected = reference("reference_trial_n300.json")

    analysed = manage("analyze", "--cutoff", "2024-06-30", "--strata", "regimen",
                      "--format", "json", "--ties", "breslow")  # fmt: skip

    assert analysed.returncode == 0, analysed.stderr
    figures = json.loads(analysed.stdout)
    assert figures["os.km.dex.n_at_risk"] == expected["km"]["dex"]["n_at_risk"]
    assert figures["os.km.control.median"] == expected["km"]["control"]["median"]
    assert agree(figures["os.logrank_stratified.p"], expected["logrank_stratified"]["p"])
    assert agree(figures["os.cox_stratified.hr"], expected["cox_stratified_breslow"]["hr"])


@pytest.mark.parametrize(
    "arguments",
    [
        ["--cutoff", "2024-02-30", "--format", "json"],
        ["--cutoff", "2024-06-30", "--format", "json", "--strata", "site"],
        ["--cutoff", "2024-06-30", "--format", "xml"],
    ],
)
def test_a_refusal_exits_non_zero_with_nothing_on_stdout(arguments):
    refused = manage("analyze", *arguments)

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert refused.stderr.strip()
