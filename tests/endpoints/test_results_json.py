"""A run's results are written as JSON once, by orjson (twenty times faster than json on the
Kaplan-Meier curves' floats): the text reads back as json.dumps's would, and a NaN or an
infinity anywhere is refused, as json.dumps(allow_nan=False) refused it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from endpoints.services import results_json


def test_the_results_read_back_as_json_wrote_them():
    results = {
        "n_randomized": 240,
        "os": {
            "median": 187.5,
            "hr": 0.812345678901234,
            "p": 5e-324,  # the smallest float above zero
            "tiny": 1.2345678901234567e-300,
            "large": 1.0e16,
            "negative_zero": -0.0,
            "not_estimable": None,
            "stratified": True,
        },
        "curves": {
            "dex": {
                "time": [0, 30, 61],
                "survival": [1.0, 0.95, 0.8999999999999999],
                "lower": [None, 0.9, 0.82],  # no confidence limit at the first point
            }
        },
        "labels": ["Décès", 'quote " and \\ backslash', "\u2265 60 ans"],
        "by_level": {1: "first level", 2: "second level"},
        "numpy": [np.float64(0.1), np.int64(3)],
    }

    expected = json.loads(json.dumps(results, default=lambda value: value.item()))
    assert json.loads(results_json(results)) == expected


@pytest.mark.parametrize(
    "results",
    [
        {"os": {"hr": float("nan")}},
        {"curves": {"lower": [0.5, 0.4, float("-inf")]}},
        {"curves": {"lower": [None, 0.4, float("nan")]}},
        {"curves": {"upper": ["one", 1.0, float("inf")]}},
        {"levels": [{"hr": 1.2}, {"hr": float("nan")}]},
        {"array": np.array([0.1, np.nan])},
        {"scalar": np.float64("inf")},
    ],
    ids=[
        "value",
        "list of floats",
        "list with gaps",
        "mixed list",
        "list of dicts",
        "numpy array",
        "numpy scalar",
    ],
)
def test_a_nan_or_an_infinity_anywhere_is_refused(results):
    with pytest.raises(ValueError, match="not JSON compliant"):
        results_json(results)
