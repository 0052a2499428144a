"""`manage.py analyze` prints the worker's analysis of R's reference trial, figure by figure.

trial_n300.csv goes in through `import_outcomes`, as a statistician would load it; every OS
key printed, in JSON and in CSV, with Efron's and Breslow's ties, equals R's survival 3.5-3
(reference_trial_n300.json) to 1e-6, the Kaplan-Meier counts exactly.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from endpoints.analysis import RISK_TIMES
from tests.endpoints.r_reference import REFERENCE, agree, reference

CUTOFF = "2024-06-30"  # every date of the reference trial is on or before it
ARMS = ("dex", "control")
ENDPOINTS = ("os", "efs", "lfs", "os_hsct_censored")
KM_KEYS = ("n", "events", "median", "median_lcl_loglog", "median_ucl_loglog", "n_at_risk")
# Which of R's fits each printed Cox key is, by ties.
COX_FITS = {
    "efron": {"cox": "cox", "cox_stratified": "cox_stratified"},
    "breslow": {"cox": "cox_breslow", "cox_stratified": "cox_stratified_breslow"},
}


@pytest.fixture
def reference_trial(data_manager):
    call_command(
        "import_outcomes", str(REFERENCE / "trial_n300.csv"), user="dm", stdout=io.StringIO()
    )


def analyze(*arguments: str) -> str:
    out = io.StringIO()
    call_command("analyze", *arguments, stdout=out)
    return out.getvalue()


def printed(text: str, output_format: str) -> dict:
    """The printed figures as one flat dictionary; CSV figures read back as numbers or None."""
    if output_format == "json":
        return json.loads(text)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["key", "value"]
    assert all(len(line) == 2 for line in lines)
    return {
        key: value if key.startswith("analysis.") else float(value) if value else None
        for key, value in lines[1:]
    }


def n_at_risk(figures: dict, prefix: str, output_format: str) -> dict[str, int]:
    if output_format == "json":
        return figures[prefix]
    return {str(t): figures[f"{prefix}.{t}"] for t in RISK_TIMES}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_it_prints_r_reference_os_figures(reference_trial, output_format, ties):
    expected = reference("reference_trial_n300.json")
    figures = printed(
        analyze("--cutoff", CUTOFF, "--strata", "regimen", "--format", output_format,
                "--ties", ties),
        output_format,
    )  # fmt: skip

    for arm in ARMS:
        km = expected["km"][arm]
        assert figures[f"os.km.{arm}.n"] == km["n"] == 150
        assert figures[f"os.km.{arm}.events"] == km["events"]
        for key in ("median", "median_lcl_loglog", "median_ucl_loglog"):
            assert figures[f"os.km.{arm}.{key}"] == km[key], (arm, key)
        assert n_at_risk(figures, f"os.km.{arm}.n_at_risk", output_format) == {
            str(t): km["n_at_risk"][str(t)] for t in RISK_TIMES
        }
    for test in ("logrank", "logrank_stratified"):
        for key in ("chisq", "p"):
            assert agree(figures[f"os.{test}.{key}"], expected[test][key]), (test, key)
    for printed_fit, r_fit in COX_FITS[ties].items():
        for key in ("hr", "hr_lower", "hr_upper", "wald_p"):
            assert agree(figures[f"os.{printed_fit}.{key}"], expected[r_fit][key]), (r_fit, key)
    assert figures["analysis.ties"] == ties


def test_it_prints_exactly_the_documented_keys_for_every_endpoint(reference_trial):
    figures = json.loads(analyze("--cutoff", CUTOFF, "--format", "json"))

    expected_keys = {
        "analysis.cutoff", "analysis.strata", "analysis.ties", "analysis.n_randomized",
        "analysis.data_locks.locked", "analysis.data_locks.randomized",
        "analysis.data_locks.trial_locked",
    }  # fmt: skip
    for endpoint in ENDPOINTS:
        expected_keys |= {f"{endpoint}.km.{arm}.{k}" for arm in ARMS for k in KM_KEYS}
        expected_keys |= {f"{endpoint}.{t}.{k}" for t in ("logrank", "logrank_stratified")
                          for k in ("chisq", "p")}  # fmt: skip
        expected_keys |= {f"{endpoint}.{c}.{k}" for c in ("cox", "cox_stratified")
                          for k in ("hr", "hr_lower", "hr_upper", "wald_p")}  # fmt: skip
    assert set(figures) == expected_keys
    assert figures["analysis.cutoff"] == CUTOFF
    assert figures["analysis.n_randomized"] == 300
    # Imported outcomes carry survival and transplant dates only: no EFS or LFS, printed null.
    assert all(v is None for k, v in figures.items() if k.startswith(("efs.", "lfs.")))
    assert figures["os_hsct_censored.km.dex.n"] == 150


def test_it_stratifies_by_the_protocols_analysis_strata_unless_told(reference_trial, settings):
    expected = reference("reference_trial_n300.json")["logrank_stratified"]
    default = json.loads(analyze("--cutoff", CUTOFF, "--format", "json"))
    unstratified = json.loads(analyze("--cutoff", CUTOFF, "--strata", "none", "--format", "json"))

    # regimen and disease status; imported patients have no disease status, so regimen decides.
    assert default["analysis.strata"] == ",".join(settings.TRIAL_ANALYSIS_STRATA)
    assert agree(default["os.logrank_stratified.chisq"], expected["chisq"])
    assert unstratified["analysis.strata"] == ""
    assert unstratified["os.logrank_stratified.chisq"] is None
    assert unstratified["os.cox_stratified.hr"] is None
    assert unstratified["os.cox.hr"] == default["os.cox.hr"]


def test_it_writes_the_figures_to_a_file_when_asked(reference_trial, tmp_path):
    target = tmp_path / "os.csv"

    assert analyze("--cutoff", CUTOFF, "--format", "csv", "--output", str(target)) == ""
    rows = dict(csv.reader(io.StringIO(target.read_text())))
    assert rows["os.km.dex.n_at_risk.90"] == "92"
    assert rows["efs.cox.hr"] == ""  # missing: an empty cell


@pytest.mark.django_db
def test_before_anyone_is_randomized_every_figure_is_missing():
    figures = json.loads(analyze("--cutoff", CUTOFF, "--format", "json"))

    assert figures["analysis.n_randomized"] == 0
    assert all(v is None for k, v in figures.items() if not k.startswith("analysis."))
