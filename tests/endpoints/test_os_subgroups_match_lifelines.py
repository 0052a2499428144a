"""The subgroup analysis of OS agrees with an independent fit (lifelines) on the committed trial.

tests/data/reference/subgroups_inputs.csv: 360 patients drawn so that DEX helps NPM1-mutated
disease (HR 0.35) and not NPM1 wild type. R's figures for the same data would come from
tests/data/reference/r_scripts/subgroup_figures.R (survival::coxph per level, anova for the
interaction); there is no R where this was written, so every hazard ratio, CI and interaction
p is checked against lifelines' own Newton-Raphson instead, to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from scipy.stats import chi2

from endpoints.subgroups import SUBGROUP_FACTORS, os_subgroups
from tests.endpoints.r_reference import agree
from tests.endpoints.subgroup_data import subgroup_trial

TIGHT = {"precision": 1e-18, "r_precision": 0.0, "max_steps": 500}


@pytest.fixture(scope="module")
def trial():
    os_rows, facts_by_id = subgroup_trial()
    frame = pd.DataFrame(
        {
            "T": [r.days for r in os_rows],
            "E": [r.event for r in os_rows],
            "dex": [float(facts_by_id[r.study_id].arm == "dex") for r in os_rows],
            **{
                factor.code: [factor.read(facts_by_id[r.study_id]) for r in os_rows]
                for factor in SUBGROUP_FACTORS
            },
        }
    )
    return frame, os_subgroups(os_rows, facts_by_id)


def _lifelines(frame: pd.DataFrame, columns: list[str]) -> CoxPHFitter:
    return CoxPHFitter().fit(frame[["T", "E", *columns]], "T", "E", fit_options=TIGHT)


def _same_hazard_ratio(ours: dict, frame: pd.DataFrame) -> None:
    fit = _lifelines(frame, ["dex"])
    summary = fit.summary.loc["dex"]
    assert ours["n"] == len(frame)
    assert ours["events"] == int(frame["E"].sum())
    for key, theirs in (
        ("hr", summary["exp(coef)"]),
        ("hr_lower", summary["exp(coef) lower 95%"]),
        ("hr_upper", summary["exp(coef) upper 95%"]),
        ("se", summary["se(coef)"]),
    ):
        assert agree(ours[key], float(theirs)), (key, ours[key], float(theirs))


def test_it_estimates_the_overall_hazard_ratio_as_lifelines_does(trial):
    frame, subgroups = trial
    _same_hazard_ratio(subgroups["overall"], frame)


@pytest.mark.parametrize("factor", SUBGROUP_FACTORS, ids=lambda f: f.code)
def test_it_estimates_each_level_s_hazard_ratio_as_lifelines_does(trial, factor):
    frame, subgroups = trial
    ours = next(f for f in subgroups["factors"] if f["code"] == factor.code)
    for level in ours["levels"]:
        _same_hazard_ratio(level, frame[frame[factor.code] == level["level"]])
    known = frame[factor.code].isin([value for value, _ in factor.levels])
    assert ours["n_unknown"] == int((~known).sum())


@pytest.mark.parametrize("factor", SUBGROUP_FACTORS, ids=lambda f: f.code)
def test_it_tests_the_interaction_by_likelihood_ratio_as_two_lifelines_fits_do(trial, factor):
    frame, subgroups = trial
    ours = next(f for f in subgroups["factors"] if f["code"] == factor.code)["interaction"]
    known = frame[frame[factor.code].isin([value for value, _ in factor.levels])].copy()
    levels = sorted(known[factor.code].unique())
    main, interaction = [], []
    for i, level in enumerate(levels[1:]):
        known[f"level{i}"] = (known[factor.code] == level).astype(float)
        known[f"dex_level{i}"] = known["dex"] * known[f"level{i}"]
        main.append(f"level{i}")
        interaction.append(f"dex_level{i}")
    reduced = _lifelines(known, ["dex", *main])
    full = _lifelines(known, ["dex", *main, *interaction])
    lr = 2 * (full.log_likelihood_ - reduced.log_likelihood_)

    assert ours["df"] == len(levels) - 1
    assert agree(ours["lr_chisq"], lr)
    assert agree(ours["p"], float(chi2.sf(lr, len(levels) - 1)))


def test_it_finds_the_interaction_built_into_the_trial_and_none_where_there_is_none(trial):
    _, subgroups = trial
    p = {f["code"]: f["interaction"]["p"] for f in subgroups["factors"]}
    npm1 = next(f for f in subgroups["factors"] if f["code"] == "NPM1")
    mutated, wild_type = npm1["levels"]

    assert p["NPM1"] < 0.01
    assert mutated["hr_upper"] < 1 < wild_type["hr_upper"]
    assert np.isfinite(list(p.values())).all()
