"""The vectorised Efron Cox fit of the subgroup analysis against lifelines' own fit.

Efron's handling of ties is where a vectorised fit goes wrong first: every death on one day,
deaths and censorings on one day; a column that repeats another (an interaction cell with
one arm only) is dropped as R's coxph reports it NA; a covariate that separates the deaths
is flagged instead of reported as a hazard ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from endpoints.statistics.cox_efron import cox_efron

TIGHT = {"precision": 1e-18, "r_precision": 0.0, "max_steps": 500}


def _lifelines(t, e, x):
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    frame["T"], frame["E"] = t, e
    return CoxPHFitter().fit(frame, "T", "E", fit_options=TIGHT)


@pytest.mark.parametrize(
    ("name", "times", "events"),
    [
        ("every death on one day", [5] * 8 + [9, 12], [1] * 8 + [0, 0]),
        ("deaths and censorings on one day", [3, 3, 3, 3, 7, 7, 7, 10, 10, 12],
         [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]),
        ("no ties", list(range(1, 11)), [1, 0, 1, 1, 0, 1, 1, 0, 1, 1]),
    ],
)  # fmt: skip
def test_it_fits_efron_ties_as_lifelines_does(name, times, events):
    x = np.column_stack([[0, 1] * 5, [1, 1, 0, 0, 1, 0, 1, 0, 0, 1]]).astype(float)
    ours = cox_efron(np.array(times), np.array(events), x)
    theirs = _lifelines(times, events, x)

    np.testing.assert_allclose(ours.coef, theirs.params_.to_numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(
        np.sqrt(np.diag(ours.variance)), theirs.standard_errors_.to_numpy(), rtol=1e-7
    )
    assert ours.loglik == pytest.approx(theirs.log_likelihood_, rel=1e-10)


def test_it_drops_a_column_that_repeats_another_and_counts_one_degree_of_freedom_less():
    rng = np.random.default_rng(3)
    arm = rng.integers(0, 2, 40).astype(float)
    fit = cox_efron(rng.integers(1, 100, 40), rng.integers(0, 2, 40), np.column_stack([arm, arm]))

    assert fit.kept == (0,) and fit.df == 1


def test_it_flags_a_covariate_that_separates_the_deaths():
    """Only the treated die: the hazard ratio runs off to infinity."""
    fit = cox_efron(
        np.array([1, 2, 3, 4, 5, 6]),
        np.array([1, 1, 1, 0, 0, 0]),
        np.array([[1], [1], [1], [0], [0], [0]]),
    )

    assert fit.separated
