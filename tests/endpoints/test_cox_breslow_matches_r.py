"""Breslow's ties, as R's coxph(ties = "breslow") fits them, plain and stratified by regimen.

lifelines offers Efron's ties only; Breslow's are the project's own Newton-Raphson
(statistics/cox_efron.py). On R's reference trial (many deaths on one day) every figure
equals survival 3.5-3's to 1e-6; without tied deaths the two methods are one.
"""

from __future__ import annotations

import numpy as np
import pytest

from endpoints.statistics.comparison import cox
from endpoints.statistics.cox_efron import cox_efron
from tests.endpoints.r_reference import agree, reference, rows

FIGURES = ("coef", "se", "hr", "hr_lower", "hr_upper", "wald_z", "wald_p", "loglik",
           "loglik_null", "lr_chisq", "score_chisq", "n", "nevent")  # fmt: skip


@pytest.fixture(scope="module")
def trial():
    data = rows("trial_n300.csv")
    return {
        "durations": [float(r["os_days"]) for r in data],
        "events": [int(r["os_event"]) for r in data],
        "groups": [r["arm"] for r in data],
        "regimens": [r["regimen"] for r in data],
    }


@pytest.mark.parametrize(("fit", "stratified"),
                         [("cox_breslow", False), ("cox_stratified_breslow", True)])  # fmt: skip
def test_it_fits_breslow_ties_as_r_does(trial, fit, stratified):
    expected = reference("reference_trial_n300.json")[fit]
    model = cox(
        trial["durations"], trial["events"], trial["groups"],
        treatment="dex", reference="control", ties="breslow",
        strata=trial["regimens"] if stratified else None,
    )  # fmt: skip

    assert model.ties == expected["ties"] == "breslow"
    mismatches = {f: (getattr(model, f), expected[f]) for f in FIGURES
                  if not agree(getattr(model, f), expected[f])}  # fmt: skip
    assert not mismatches


@pytest.mark.parametrize(("fit", "stratified"),
                         [("cox", False), ("cox_stratified", True)])  # fmt: skip
def test_its_own_efron_fit_also_equals_r_plain_and_stratified(trial, fit, stratified):
    expected = reference("reference_trial_n300.json")[fit]
    treated = (np.array(trial["groups"]) == "dex").astype(float)[:, None]
    model = cox_efron(
        np.array(trial["durations"]), np.array(trial["events"]), treated,
        strata=np.array(trial["regimens"]) if stratified else None,
    )  # fmt: skip

    assert agree(float(model.coef[0]), expected["coef"])
    assert agree(float(np.sqrt(model.variance[0, 0])), expected["se"])
    assert agree(model.loglik, expected["loglik"])


def test_without_tied_deaths_breslow_and_efron_are_one():
    durations = list(range(1, 21))
    events = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1] * 2
    groups = ["dex", "control"] * 7 + ["control", "control", "dex", "dex", "control", "dex"]
    efron = cox(durations, events, groups, treatment="dex", reference="control")
    breslow = cox(durations, events, groups, treatment="dex", reference="control", ties="breslow")

    assert breslow.coef == pytest.approx(efron.coef, rel=1e-8)
    assert breslow.se == pytest.approx(efron.se, rel=1e-7)


def test_it_refuses_ties_it_does_not_know():
    with pytest.raises(ValueError, match="ties must be one of"):
        cox([1, 2], [1, 1], ["dex", "control"], treatment="dex", reference="control", ties="exact")
