"""Hand-made edge cases, and cox.zph on the reference trial, equal to R's survival to 1e-6.

R's figures are committed (reference_survival_edge_cases.csv, made by
r_scripts/survival_edge_cases.R from survival_edge_cases_inputs.csv): every death on one
day, a stratum without a death, every death in one arm, heavy ties; Efron and Breslow.
cox.zph is R 4.2's (score test, transform "km"); where R stops on a singular system (every
death on one day: the transform is constant) the project returns None. Under separation R
stops at a large coefficient with a warning; the project flags it (|log HR| > 15) and the
analysis reports the hazard ratio as not estimable, while the score and likelihood-ratio
tests, which stay finite, equal R's.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from endpoints.analysis import _cox_summary
from endpoints.statistics.comparison import cox, logrank
from endpoints.statistics.cox_efron import MAX_ESTIMABLE_LOG_HR
from endpoints.statistics.kaplan_meier import kaplan_meier
from tests.endpoints.r_reference import REFERENCE, agree, all_agree

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "tests/data/reference/r_scripts/survival_edge_cases.R"
FIGURES = REFERENCE / "reference_survival_edge_cases.csv"
MODELS = [(ties, stratified) for ties in ("efron", "breslow") for stratified in (False, True)]


def _read(text: str) -> dict[str, float | None]:
    return {key: float(value) if value else None for key, value in csv.reader(io.StringIO(text))}


@pytest.fixture(scope="module")
def r() -> dict[str, float | None]:
    return _read(FIGURES.read_text())


def _vector(r: dict[str, float | None], key: str) -> list[float | None]:
    if key in r:
        return [r[key]]
    values, i = [], 1
    while f"{key}.{i}" in r:
        values.append(r[f"{key}.{i}"])
        i += 1
    return values


def _case(name: str) -> dict[str, np.ndarray]:
    if name == "trial_n300":
        with (REFERENCE / "trial_n300.csv").open() as handle:
            rows = [
                (r["os_days"], r["os_event"], r["arm"], r["regimen"])
                for r in csv.DictReader(handle)
            ]
    else:
        with (REFERENCE / "survival_edge_cases_inputs.csv").open() as handle:
            rows = [(r["days"], r["event"], r["arm"], r["stratum"])
                    for r in csv.DictReader(handle) if r["case"] == name]  # fmt: skip
    days, events, arms, strata = zip(*rows, strict=True)
    return {"days": np.array(days, dtype=float), "events": np.array(events, dtype=int),
            "arms": np.array(arms), "strata": np.array(strata)}  # fmt: skip


def _cox(data: dict[str, np.ndarray], ties: str, stratified: bool):
    return cox(data["days"], data["events"], data["arms"], treatment="dex", reference="control",
               strata=data["strata"] if stratified else None, ties=ties)  # fmt: skip


def _key(case: str, ties: str, stratified: bool) -> str:
    return f"{case}.cox{'_stratified' if stratified else ''}_{ties}"


@pytest.mark.parametrize("case", ["all_tied", "empty_stratum", "separation", "ties"])
@pytest.mark.parametrize("arm", ["control", "dex"])
def test_it_draws_r_kaplan_meier_curve_with_log_log_limits(r, case, arm):
    data = _case(case)
    inside = data["arms"] == arm
    km = kaplan_meier(data["days"][inside], data["events"][inside], conf_type="log-log")
    key = f"{case}.km.{arm}"

    assert km.time == _vector(r, f"{key}.time")
    all_agree(km.surv, _vector(r, f"{key}.surv"))
    all_agree(km.lower, _vector(r, f"{key}.lower"))
    all_agree(km.upper, _vector(r, f"{key}.upper"))
    assert agree(km.median, r[f"{key}.median"])
    assert agree(km.median_lower, r[f"{key}.median_lower"])
    assert agree(km.median_upper, r[f"{key}.median_upper"])


@pytest.mark.parametrize("case", ["all_tied", "empty_stratum", "separation", "ties"])
@pytest.mark.parametrize("stratified", [False, True])
def test_it_computes_r_survdiff(r, case, stratified):
    data = _case(case)
    test = logrank(data["days"], data["events"], data["arms"], treatment="dex",
                   reference="control", strata=data["strata"] if stratified else None)  # fmt: skip
    key = f"{case}.logrank{'_stratified' if stratified else ''}"

    assert agree(test.chisq, r[f"{key}.chisq"])
    assert agree(test.observed["dex"], r[f"{key}.observed_dex"])
    assert agree(test.expected["dex"], r[f"{key}.expected_dex"])


@pytest.mark.parametrize("case", ["all_tied", "empty_stratum", "ties", "trial_n300"])
@pytest.mark.parametrize(("ties", "stratified"), MODELS)
def test_it_fits_r_coxph_with_its_tests_and_cox_zph(r, case, ties, stratified):
    model = _cox(_case(case), ties, stratified)
    key = _key(case, ties, stratified)

    differing = {
        name: (getattr(model, name), r[f"{key}.{name}"])
        for name in ("coef", "se", "loglik_null", "loglik", "score_chisq", "ph_test_p")
        if not agree(getattr(model, name), r[f"{key}.{name}"])
    }
    assert not differing
    assert (model.ph_test_p is None) == (case == "all_tied")  # R: singular system


@pytest.mark.parametrize(("ties", "stratified"), MODELS)
def test_it_flags_separation_and_keeps_r_score_and_likelihood_ratio(r, ties, stratified):
    data = _case("separation")
    model = _cox(data, ties, stratified)
    key = _key("separation", ties, stratified)

    assert r[f"{key}.coef"] > MAX_ESTIMABLE_LOG_HR and model.coef > MAX_ESTIMABLE_LOG_HR
    assert agree(model.score_chisq, r[f"{key}.score_chisq"])
    assert agree(model.loglik_null, r[f"{key}.loglik_null"])
    assert agree(model.loglik, r[f"{key}.loglik"])
    summary = _cox_summary(data["days"].tolist(), data["events"].tolist(),
                           data["arms"].tolist(),
                           data["strata"].tolist() if stratified else None, ties)  # fmt: skip
    assert summary["hr"] is None and summary["ph_test_p"] is None
    assert summary["not_estimable"] == "The data do not determine a finite hazard ratio."


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (CI installs it)")
def test_r_recomputes_the_committed_figures():
    ran = subprocess.run(
        ["Rscript", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert ran.returncode == 0, ran.stderr
    printed, committed = _read(ran.stdout), _read(FIGURES.read_text())

    assert printed.keys() == committed.keys()
    assert not {k: (v, printed[k]) for k, v in committed.items() if not agree(printed[k], v)}
