"""A stratified Cox model takes the worker's strata, small non-negative codes, as they are
(endpoints/statistics/cox_efron.py: hashing a million of them held 28 MB at the worker's
highest memory); names, and codes it cannot take as they are, are numbered by hashing. The
fit is the same either way: a stratum is a stratum whatever it is called."""

from __future__ import annotations

import numpy as np
import pytest

from endpoints.statistics.cox_efron import _stratum_codes, cox_efron

RNG = np.random.default_rng(41)
N = 6_000
DAYS = RNG.integers(1, 300, N)
DIED = (RNG.random(N) < 0.7).astype(np.int8)
DESIGN = (RNG.random((N, 1)) < 0.5).astype(np.int8)
CODES = RNG.choice(np.array([0, 5, 9], dtype=np.int16), N)  # codes with gaps between them


def test_small_codes_are_taken_as_they_are():
    kept = _stratum_codes(CODES)

    assert kept.dtype == np.int16
    assert np.shares_memory(kept, CODES)  # no copy of a million codes


@pytest.mark.parametrize(
    "strata",
    [
        np.array(["intensive|relapsed", "azacitidine|refractory", "intensive|refractory"])[
            np.searchsorted([0, 5, 9], CODES)
        ],
        CODES.astype(np.int64) - 3,  # negative codes: hashed
        CODES.astype(float),  # not integers: hashed
    ],
    ids=["names", "negative codes", "floats"],
)
def test_the_fit_is_the_same_whatever_the_strata_are_called(strata):
    by_code = cox_efron(DAYS, DIED, DESIGN, strata=CODES)
    by_name = cox_efron(DAYS, DIED, DESIGN, strata=strata)

    assert by_name.coef[0] == pytest.approx(by_code.coef[0], rel=1e-12)
    assert by_name.variance[0, 0] == pytest.approx(by_code.variance[0, 0], rel=1e-12)
    assert by_name.loglik == pytest.approx(by_code.loglik, rel=1e-13)
    assert by_name.score_chisq == pytest.approx(by_code.score_chisq, rel=1e-12)


def test_strata_change_the_fit():
    """The check above could not pass by ignoring the strata."""
    stratified = cox_efron(DAYS, DIED, DESIGN, strata=CODES)
    plain = cox_efron(DAYS, DIED, DESIGN)

    assert stratified.loglik != pytest.approx(plain.loglik, rel=1e-6)
