"""The MRD-negativity rate among responders (CR, CRi, MLFS), exact CI, by arm and pooled.

A negative flow MRD counts when dated on or before the cut-off and not after an allo-HSCT;
non-responders are not in the denominator; a blinded reader sees the pooled figure only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import binomtest

from endpoints.analysis import blinded_view
from endpoints.datasets import Assessment, PatientFacts
from endpoints.mrd_negativity import is_mrd_negative, mrd_negativity

CUTOFF = dt.date(2025, 6, 1)


def _facts(study_id: str, arm: str, category: str = "CR", **changes) -> PatientFacts:
    facts = PatientFacts(
        study_id=study_id,
        site="01",
        arm=arm,
        regimen="intensive",
        disease_status="relapsed",
        sex="F",
        age=60,
        randomized_on=dt.date(2025, 1, 10),
        assessments=[Assessment(dt.date(2025, 2, 20), category, 1, "end_of_induction")],
    )
    for name, value in changes.items():
        setattr(facts, name, value)
    return facts


@pytest.mark.parametrize(
    ("negative_on", "hsct_on", "counted"),
    [
        (CUTOFF, None, True),
        (CUTOFF + dt.timedelta(days=1), None, False),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1), True),  # on the day of the HSCT
        (dt.date(2025, 4, 2), dt.date(2025, 4, 1), False),  # after it
    ],
)
def test_a_negative_mrd_counts_up_to_the_cut_off_and_the_transplant(negative_on, hsct_on, counted):
    facts = _facts("01-001", "dex", mrd_flow_negative_on=[negative_on], hsct_on=hsct_on)
    assert is_mrd_negative(facts, CUTOFF) is counted


def test_the_rate_counts_responders_only_with_an_exact_interval():
    negative = [dt.date(2025, 3, 1)]
    facts = [
        _facts("01-001", "dex", mrd_flow_negative_on=negative),
        _facts("01-002", "dex", "CRi"),
        _facts("01-003", "dex", "MLFS", mrd_flow_negative_on=negative),
        _facts("01-004", "dex", "resistant", mrd_flow_negative_on=negative),  # not a responder
        _facts("01-005", "control", "CR"),
        _facts("01-006", "control", "PR"),
        _facts("01-007", "control", "CR", imported=True, mrd_flow_negative_on=negative),
    ]

    result = mrd_negativity(facts, CUTOFF)

    dex = result["by_arm"]["dex"]
    assert (dex["responders"], dex["n"]) == (2, 3)
    interval = binomtest(2, 3).proportion_ci(method="exact")
    assert dex["lower"] == pytest.approx(interval.low)
    assert dex["upper"] == pytest.approx(interval.high)
    assert (result["by_arm"]["control"]["responders"], result["by_arm"]["control"]["n"]) == (0, 1)
    assert (result["pooled"]["responders"], result["pooled"]["n"]) == (2, 4)


def test_a_blinded_reader_sees_the_pooled_rate_only():
    results = {
        "cutoff": "2025-06-01",
        "n_randomized": 2,
        "strata_factors": [],
        "median_follow_up_days": None,
        "endpoints": {},
        "relapse_incidence": {"pooled": None},
        "responses": {"pooled": {}},
        "mrd_negativity": mrd_negativity([_facts("01-001", "dex")], CUTOFF),
    }
    assert blinded_view(results)["mrd_negativity"] == {
        "pooled": results["mrd_negativity"]["pooled"]
    }
