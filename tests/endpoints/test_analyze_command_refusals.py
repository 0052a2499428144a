"""`manage.py analyze` refuses a bad request with a reason, and prints nothing on stdout."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ASKED = {
    "a date that does not exist": (["--cutoff", "2024-02-30"], "is not a date"),
    "not a date": (["--cutoff", "yesterday"], "is not a date"),
    "a cut-off in the future": (["--cutoff", "2999-01-01"], "cannot be in the future"),
    "sites as strata": (["--strata", "regimen,site"], "site cannot stratify"),
    "an unknown factor": (["--strata", "sex"], "sex cannot stratify"),
    "an empty factor": (["--strata", "regimen,"], "name the factors"),
    "an unknown format": (["--format", "xlsx"], "invalid choice: 'xlsx'"),
    "unknown ties": (["--ties", "exact"], "invalid choice: 'exact'"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ASKED))
def test_it_refuses_with_a_reason_and_prints_nothing(case):
    changed, reason = ASKED[case]
    arguments = {"--cutoff": "2024-06-30", "--format": "json"}
    for flag, value in zip(changed[::2], changed[1::2], strict=True):
        arguments[flag] = value
    out = io.StringIO()

    with pytest.raises(CommandError, match=reason):
        call_command("analyze", *[a for pair in arguments.items() for a in pair], stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_it_refuses_an_output_file_in_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="no folder"):
        call_command(
            "analyze", "--cutoff", "2024-06-30", "--format", "csv",
            "--output", str(tmp_path / "missing" / "os.csv"),
        )  # fmt: skip
