"""Myelosuppression and recovery after cycle 1, by arm: median and IQR (R's type 7
quantiles), the Wilcoxon rank-sum p cross-checked by hand against the normal approximation
R's wilcox.test uses (continuity-corrected); a blinded reader gets the pooled figures only.
tests/data/reference/r_scripts/myelosuppression.R would give the R figures (not run here:
no R on this machine)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from endpoints.analysis import blinded_view
from endpoints.datasets import PatientFacts
from endpoints.myelosuppression import myelosuppression, wilcoxon_rank_sum_p
from labs.derivations import NOT_REACHED, REACHED, CycleCounts, Recovery

START = dt.date(2025, 3, 6)
# Days with ANC < 0.5 after cycle 1: no ties between or within the arms.
DEX_DAYS = [14, 17, 19, 21, 22, 24, 26, 28, 31, 35]
CONTROL_DAYS = [11, 12, 13, 15, 16, 18, 20, 23, 25, 27]


def _counts(days: int, recovery: Recovery) -> CycleCounts:
    return CycleCounts(1, START, days, days, recovery, recovery, recovery, recovery)


def _facts(n: int, arm: str, counts: CycleCounts | None) -> PatientFacts:
    return PatientFacts(
        study_id=f"01-{n:03d}",
        site="01",
        arm=arm,
        regimen="intensive",
        disease_status="relapsed",
        sex="F",
        age=60,
        randomized_on=dt.date(2025, 3, 5),
        first_cycle_counts=counts,
    )


def _trial() -> list[PatientFacts]:
    facts = [
        _facts(i, arm, _counts(days, Recovery(REACHED, day=days + 8)))
        for i, (arm, days) in enumerate(
            [*(("dex", d) for d in DEX_DAYS), *(("control", d) for d in CONTROL_DAYS)]
        )
    ]
    died = Recovery(NOT_REACHED, START + dt.timedelta(days=20), 21, "Death")
    return [*facts, _facts(90, "dex", _counts(30, died)), _facts(91, "control", None)]


def _normal_approximation_p(first: list[int], second: list[int]) -> float:
    """R's wilcox.test(exact = FALSE, correct = TRUE) without ties, written out."""
    ranks = {v: r for r, v in enumerate(sorted([*first, *second]), start=1)}
    n1, n2 = len(first), len(second)
    u = sum(ranks[v] for v in first) - n1 * (n1 + 1) / 2
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return math.erfc(z / math.sqrt(2))


def test_it_gives_median_and_iqr_by_arm_and_the_wilcoxon_p():
    results = myelosuppression(_trial())
    days = results["measures"]["ANCL05D"]

    assert results["n"] == 21  # the patient without counts in cycle 1 is not counted
    # Dex: the ten days and the patient who died (30 days below): type 7 quantiles.
    assert days["by_arm"]["dex"] == {
        "n": 11,
        "median": 24.0,
        "q1": 20.0,
        "q3": 29.0,
        "not_reached": 0,
    }
    assert days["by_arm"]["control"]["median"] == 17.0
    assert days["wilcoxon_p"] == pytest.approx(
        _normal_approximation_p([*DEX_DAYS, 30], CONTROL_DAYS), rel=1e-12
    )


def test_a_recovery_not_reached_is_counted_apart_not_as_a_recovery_day():
    recovery = myelosuppression(_trial())["measures"]["ANCR05"]

    assert recovery["by_arm"]["dex"]["n"] == 10
    assert recovery["by_arm"]["dex"]["not_reached"] == 1
    # Recovered 8 days after the last day below 0.5: the median of DEX_DAYS (23) + 8.
    assert recovery["by_arm"]["dex"]["median"] == 31.0
    assert recovery["pooled"]["not_reached"] == 1


def test_there_is_no_p_without_two_arms_to_compare():
    assert wilcoxon_rank_sum_p([10, 12], []) is None
    assert wilcoxon_rank_sum_p([10], [10]) is None


def test_a_blinded_reader_gets_the_pooled_figures_only():
    results = {
        "cutoff": "2025-06-01",
        "n_randomized": 22,
        "strata_factors": [],
        "median_follow_up_days": None,
        "endpoints": {},
        "relapse_incidence": {"pooled": None},
        "responses": {"pooled": {}},
        "myelosuppression": myelosuppression(_trial()),
    }

    pooled = blinded_view(results)["myelosuppression"]

    assert pooled["measures"]["ANCL05D"] == {
        "label": "Days with ANC < 0.5 ×10⁹/L",
        "pooled": results["myelosuppression"]["measures"]["ANCL05D"]["pooled"],
    }
    assert "by_arm" not in str(pooled) and "wilcoxon" not in str(pooled)


@pytest.mark.parametrize("unblinded", [True, False])
def test_the_analyses_page_shows_it_by_arm_to_unblinded_roles_only(unblinded):
    from django.template.loader import render_to_string

    results = {"myelosuppression": myelosuppression(_trial())}
    if not unblinded:
        results = {"myelosuppression": blinded_view({**results, **_EMPTY})["myelosuppression"]}

    html = render_to_string(
        "endpoints/_myelosuppression.html", {"results": results, "unblinded": unblinded}
    )

    assert "Days with ANC &lt; 0.5 ×10⁹/L" in html
    assert ("Wilcoxon p" in html) is unblinded
    assert ("Salvage therapy + dexamethasone" in html) is unblinded
    assert ("All patients" in html) is not unblinded
    assert "1 not reached" in html


_EMPTY = {
    "cutoff": "2025-06-01",
    "n_randomized": 22,
    "strata_factors": [],
    "median_follow_up_days": None,
    "endpoints": {},
    "relapse_incidence": {"pooled": None},
    "responses": {"pooled": {}},
}
