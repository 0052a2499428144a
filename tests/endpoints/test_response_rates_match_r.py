"""Exact response-rate intervals and Fisher's exact test agree with R to 1e-6.

Reference: binom.test (Clopper-Pearson, including 0/n and n/n at 90, 95 and 99%) and
fisher.test (two-sided, zero cells, a zero column, mirror tables of equal probability, small and
trial-sized arms) on tests/data/reference/{binomial,fisher}_inputs.csv
(reference_response_rates.json).
"""

from __future__ import annotations

import pytest

from endpoints.statistics.response_rates import Rate, clopper_pearson, fisher_p
from tests.endpoints.r_reference import agree, reference

FIGURES = reference("reference_response_rates.json")
INTERVALS = FIGURES["clopper_pearson"]
TESTS = {case["case"]: case for case in FIGURES["fisher"]}


def _label(case: dict) -> str:
    return f"{case['responders']}/{case['n']}@{case['conf_level']}"


@pytest.mark.parametrize("case", INTERVALS, ids=_label)
def test_it_reproduces_r_binom_test_exact_interval(case):
    rate = clopper_pearson(case["responders"], case["n"], alpha=1 - case["conf_level"])

    assert agree(rate.rate, case["estimate"])
    assert agree(rate.lower, case["lower"])
    assert agree(rate.upper, case["upper"])


@pytest.mark.parametrize("n", [1, 5, 30, 300])
def test_no_responder_gives_a_lower_limit_of_zero_and_all_responders_an_upper_of_one(n):
    assert clopper_pearson(0, n).lower == 0.0
    assert clopper_pearson(n, n).upper == 1.0


def test_an_arm_with_no_patient_has_no_rate():
    assert clopper_pearson(0, 0) == Rate(0, 0, None, None, None)


@pytest.mark.parametrize("name", [name for name in TESTS if name != "empty_arm"])
def test_it_reproduces_r_fisher_test_two_sided_p_value(name):
    case = TESTS[name]
    p = fisher_p(case["responders_a"], case["n_a"], case["responders_b"], case["n_b"])

    assert agree(p, case["p_value"])


def test_an_arm_with_no_patient_gives_no_p_value_where_r_says_one():
    # R's fisher.test returns 1 for a table with an empty row: no comparison was possible,
    # and the report says so rather than print p = 1.
    case = TESTS["empty_arm"]
    assert case["p_value"] == 1

    assert fisher_p(case["responders_a"], case["n_a"], case["responders_b"], case["n_b"]) is None
