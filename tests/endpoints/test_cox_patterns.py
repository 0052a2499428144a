"""The Cox model numbers its covariate patterns by counting when the design is small
integers (endpoints/statistics/cox_efron.py: the worker's designs: an arm, a factor's
dummies, their products), with exactly the codes and patterns that hashing gives, so every
fit is unchanged, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from endpoints.statistics import cox_efron as module
from endpoints.statistics.cox_efron import _patterns, _small_design_key, cox_efron


def _hashed(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The patterns as hashing column by column numbers them (the general path)."""
    n, p = x.shape
    codes = np.zeros(n, dtype=np.int64)
    for j in range(p):
        column, values = pd.factorize(x[:, j], use_na_sentinel=False)
        if j:
            column += codes * len(values)
            column, _ = pd.factorize(column)
        codes = column
    if not n:
        return codes.astype(np.int32), x[:0]
    first = np.flatnonzero(np.concatenate([[True], codes[1:] > np.maximum.accumulate(codes)[:-1]]))
    return codes.astype(np.int32), np.array(x[first], dtype=float)


RNG = np.random.default_rng(2026)
DESIGNS = {
    "an arm": (RNG.random((5_000, 1)) < 0.5).astype(np.int8),
    "an arm, dummies and products": (RNG.random((200_000, 5)) < 0.3).astype(np.int8),
    "booleans": RNG.random((1_000, 3)) < 0.2,
    "negative codes": RNG.integers(-3, 2, size=(3_000, 2)).astype(np.int16),
    "a rare pattern last": np.vstack([np.zeros((70_000, 2), np.int8), [[1, 1]]]),
    "one row": np.array([[4, -2]], dtype=np.int64),
    "no column": np.zeros((10, 0), dtype=np.int8),
}


@pytest.mark.parametrize("design", DESIGNS.values(), ids=DESIGNS.keys())
def test_counting_numbers_the_patterns_as_hashing_does(design):
    assert _small_design_key(design) is not None
    codes, patterns = _patterns(design)
    expected_codes, expected_patterns = _hashed(design)

    np.testing.assert_array_equal(codes, expected_codes)
    assert codes.dtype == np.int32
    np.testing.assert_array_equal(patterns, expected_patterns)
    assert patterns.dtype == expected_patterns.dtype


@pytest.mark.parametrize(
    "design",
    [
        np.array([[0.5, 1.0], [0.25, 1.0]]),  # not integers
        np.array([[0], [2**40]], dtype=np.int64),  # beyond 32 bits
        np.array([[1], [2**63 + 5]], dtype=np.uint64),  # beyond 64-bit signed
        RNG.integers(0, 300, size=(100, 3)),  # more possible rows than counted
    ],
    ids=["floats", "wide integers", "unsigned beyond int64", "many possible rows"],
)
def test_other_designs_are_hashed(design):
    assert _small_design_key(design) is None
    codes, patterns = _patterns(design)
    expected_codes, expected_patterns = _hashed(design)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(patterns, expected_patterns)


def test_a_fit_is_the_same_bit_for_bit(monkeypatch):
    n = 50_000
    design = (RNG.random((n, 3)) < 0.4).astype(np.int8)
    durations = RNG.integers(1, 900, n)
    events = (RNG.random(n) < 0.6).astype(np.int8)
    counted = cox_efron(durations, events, design)
    monkeypatch.setattr(module, "_small_design_key", lambda x: None)
    hashed = cox_efron(durations, events, design)

    assert counted.coef.tobytes() == hashed.coef.tobytes()
    assert counted.variance.tobytes() == hashed.variance.tobytes()
    assert (counted.loglik, counted.score_chisq) == (hashed.loglik, hashed.score_chisq)
