"""The bulk log-rank and Cox fit against lifelines, an independent implementation.

The project no longer calls lifelines at run time (its per-row Efron loop is slow at a
million patients); on other tied, censored data its log-rank statistic and its Efron fit,
converged tightly, stay the cross-check of the vectorised code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test

from endpoints.statistics.comparison import cox, logrank

TIGHT = {"precision": 1e-18, "r_precision": 0.0, "max_steps": 500}


def _trial(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 400))
    arms = np.where(rng.random(n) < 0.5, "dex", "control")
    hazard = np.where(arms == "dex", 1 / 120, 1 / 90)
    days = np.round(np.minimum(rng.exponential(1 / hazard), rng.uniform(10, 300, n)))
    events = (rng.random(n) < 0.75).astype(int)
    return {"days": days, "events": events, "arms": arms,
            "strata": rng.choice(["intensive", "azacitidine", "other"], n)}  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_it_computes_the_log_rank_statistic_lifelines_computes(seed):
    data = _trial(seed)
    dex = data["arms"] == "dex"
    theirs = logrank_test(data["days"][dex], data["days"][~dex],
                          data["events"][dex], data["events"][~dex])  # fmt: skip

    ours = logrank(data["days"], data["events"], data["arms"], treatment="dex",
                   reference="control")  # fmt: skip

    assert ours.chisq == pytest.approx(theirs.test_statistic, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("stratified", [False, True])
def test_it_fits_the_efron_cox_model_lifelines_fits(seed, stratified):
    data = _trial(seed)
    frame = pd.DataFrame({"T": data["days"], "E": data["events"],
                          "treated": (data["arms"] == "dex").astype(float),
                          "stratum": data["strata"]})  # fmt: skip
    theirs = CoxPHFitter().fit(
        frame if stratified else frame.drop(columns="stratum"), "T", "E",
        strata=["stratum"] if stratified else None, fit_options=TIGHT,
    )  # fmt: skip

    ours = cox(data["days"], data["events"], data["arms"], treatment="dex", reference="control",
               strata=data["strata"] if stratified else None)  # fmt: skip

    assert ours.coef == pytest.approx(float(theirs.params_["treated"]), rel=1e-8)
    assert ours.se == pytest.approx(float(theirs.standard_errors_["treated"]), rel=1e-8)
    assert ours.loglik == pytest.approx(theirs.log_likelihood_, rel=1e-10)
    lr = theirs.log_likelihood_ratio_test()
    assert ours.lr_chisq == pytest.approx(lr.test_statistic, rel=1e-7)
