"""Efron's terms are per death (the k-th of d tied deaths sees the risk set less k/d of the
tied deaths' weight): the Cox model sums them a block of death times at a time
(endpoints/statistics/cox_efron.py), so that a million patients' deaths never make arrays of
their own. The sums are the definition's, and a fit is the same however the deaths are cut
into blocks, a tie group split across blocks included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from endpoints.statistics import cox_efron as module
from endpoints.statistics.comparison import cox
from endpoints.statistics.cox_efron import _RiskSets, cox_efron

RNG = np.random.default_rng(17)


def _by_definition(ties: np.ndarray, s0: np.ndarray, d0: np.ndarray, breslow: bool):
    """Σ log a0, and per death time Σ_k 1/a0, f/a0, 1/a0², f/a0², f²/a0², death by death."""
    log_a0, sums = 0.0, np.zeros((5, len(ties)))
    for g, d in enumerate(ties.astype(int)):
        for k in range(d):
            f = 0.0 if breslow else k / d
            a0 = s0[g] - f * d0[g]
            log_a0 += math.log(a0)
            sums[:, g] += (1 / a0, f / a0, 1 / a0**2, f / a0**2, f * f / a0**2)
    return log_a0, sums


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("block", [1, 3, 1 << 16])
def test_the_tied_sums_are_the_definitions(monkeypatch, ties, block):
    monkeypatch.setattr(module, "DEATHS_PER_BLOCK", block)
    time = np.array([9, 9, 9, 7, 7, 5, 4, 4, 4, 4, 2, 1], dtype=float)  # descending
    died = np.array([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0], dtype=bool)
    count = np.array([2, 1, 3, 1, 4, 2, 1, 5, 1, 2, 1, 1], dtype=float)
    x = np.array([[0], [1], [1], [0], [1], [1], [0], [1], [0], [1], [1], [0]], dtype=float)
    risk = _RiskSets(time, died, count, x, ties)
    s0 = np.linspace(40.0, 10.0, risk.n_groups)
    d0 = np.linspace(3.0, 6.0, risk.n_groups)

    log_a0, sums = risk._tied_sums(s0, d0)
    expected_log, expected = _by_definition(risk.ties, s0, d0, ties == "breslow")

    assert risk.ties.tolist() == [5, 5, 8, 1]  # deaths on days 9, 7, 4 and 2
    assert log_a0 == pytest.approx(expected_log, rel=1e-14)
    np.testing.assert_allclose(sums, expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_a_fit_is_the_same_whatever_the_blocks(monkeypatch, ties):
    n = 20_000
    days = RNG.integers(1, 60, n)  # few days: tie groups of hundreds of deaths
    died = (RNG.random(n) < 0.8).astype(np.int8)
    design = (RNG.random((n, 2)) < 0.5).astype(np.int8)
    strata = RNG.integers(0, 3, n)
    whole = cox_efron(days, died, design, ties=ties, strata=strata)
    monkeypatch.setattr(module, "DEATHS_PER_BLOCK", 7)  # smaller than most tie groups
    blocked = cox_efron(days, died, design, ties=ties, strata=strata)

    np.testing.assert_allclose(blocked.coef, whole.coef, rtol=1e-12, atol=0)
    np.testing.assert_allclose(blocked.variance, whole.variance, rtol=1e-12, atol=0)
    assert blocked.loglik == pytest.approx(whole.loglik, rel=1e-13)
    assert blocked.score_chisq == pytest.approx(whole.score_chisq, rel=1e-12)
    assert blocked.iterations == whole.iterations


def test_the_hazard_ratio_and_its_ph_check_are_the_same_whatever_the_blocks(monkeypatch):
    n = 10_000
    days = RNG.integers(1, 400, n)
    died = RNG.random(n) < 0.7
    arms = np.where(RNG.random(n) < 0.5, "DEX", "CONTROL")
    whole = cox(days, died, arms, treatment="DEX", reference="CONTROL")
    monkeypatch.setattr(module, "DEATHS_PER_BLOCK", 5)
    blocked = cox(days, died, arms, treatment="DEX", reference="CONTROL")

    assert blocked.coef == pytest.approx(whole.coef, rel=1e-12)
    assert blocked.se == pytest.approx(whole.se, rel=1e-12)
    assert blocked.ph_test_p == pytest.approx(whole.ph_test_p, rel=1e-10)


def test_a_stratum_without_deaths_sums_nothing():
    time = np.array([5.0, 3.0, 1.0])
    risk = _RiskSets(time, np.zeros(3, dtype=bool), np.ones(3), np.zeros((3, 1)))

    log_a0, sums = risk._tied_sums(np.zeros(0), np.zeros(0))

    assert (risk.n_groups, log_a0, sums.shape) == (0, 0.0, (5, 0))
