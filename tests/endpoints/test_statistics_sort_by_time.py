"""The shared sort by time: whole days by radix, other times by comparison, one order.

Every statistic's risk sets come from it, so it must give exactly the stable sort's order
(ties in input order) whether the times are whole days, fractions, negative or far apart.
"""

from __future__ import annotations

import numpy as np
import pytest

from endpoints.statistics.ordering import by_time


@pytest.mark.parametrize(
    "durations",
    [
        np.array([5, 3, 3, 0, 9, 3, 5], dtype=float),  # whole days: radix path
        np.array([2.5, 0.1, 2.5, 7.25, 0.1]),  # fractions: comparison path
        np.array([-3.0, 4.0, -3.0, 1.0]),  # negative whole numbers
        np.array([1.0, 1e9, 5.0, 1.0]),  # a span too wide for 16 bits
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_it_orders_as_a_stable_sort_does(durations, descending):
    expected = np.argsort(-durations if descending else durations, kind="stable")

    assert by_time(durations, descending=descending).tolist() == expected.tolist()


def test_it_orders_by_stratum_then_time_keeping_ties_in_input_order():
    durations = np.array([4, 2, 4, 1, 2, 4], dtype=float)
    strata = np.array([1, 0, 1, 1, 0, 0])

    assert by_time(durations, strata=strata).tolist() == [1, 4, 5, 3, 0, 2]
