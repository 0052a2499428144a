"""Median follow-up by reverse Kaplan-Meier, and its interval, agree with R to 1e-6.

Reference: survfit(Surv(time, 1 - died) ~ 1) under the three confidence transforms (R's default
is "log") with quantile(fit, 0.5), on tests/data/reference/follow_up_inputs.csv (deaths and
censorings on one day, a median on an exact 0.5 plateau, a curve that never reaches one half,
everyone dead) and on trial_n300.csv, pooled and by arm (reference_follow_up.json).
"""

from __future__ import annotations

import pytest

from endpoints.statistics.follow_up import median_follow_up, reverse_kaplan_meier
from tests.endpoints.r_reference import agree, all_agree, reference, rows

CURVES = reference("reference_follow_up.json")["follow_up"]
TRANSFORMS = {"log": "log", "log-log": "loglog", "plain": "plain"}


def _curve_data(name: str) -> tuple[list[float], list[int]]:
    """Days and death flags of a curve: a follow_up_inputs dataset, or 'trial_n300[:arm]'."""
    dataset, _, arm = name.partition(":")
    if dataset == "trial_n300":
        chosen = [r for r in rows("trial_n300.csv") if not arm or r["arm"] == arm]
        return [float(r["os_days"]) for r in chosen], [int(r["os_event"]) for r in chosen]
    chosen = [r for r in rows("follow_up_inputs.csv") if r["dataset"] == dataset]
    return [float(r["time"]) for r in chosen], [int(r["status"]) for r in chosen]


@pytest.mark.parametrize("name", list(CURVES))
def test_it_reproduces_the_median_follow_up_of_r(name):
    assert agree(median_follow_up(*_curve_data(name)), CURVES[name]["median"])


@pytest.mark.parametrize("name", list(CURVES))
def test_a_death_censors_the_time_to_censoring_as_in_r_survfit(name):
    expected = CURVES[name]["table"]
    km = reverse_kaplan_meier(*_curve_data(name))

    assert km.time == expected["time"]
    assert km.n_risk == expected["n_risk"]
    assert km.n_event == expected["n_event"]
    assert km.n_censor == expected["n_censor"]
    all_agree(km.surv, expected["surv"])
    all_agree(km.std_err_cumhaz, expected["std_err"])


@pytest.mark.parametrize("conf_type", list(TRANSFORMS))
@pytest.mark.parametrize("name", list(CURVES))
def test_it_reproduces_r_interval_of_the_median_follow_up(name, conf_type):
    expected, suffix = CURVES[name], TRANSFORMS[conf_type]
    km = reverse_kaplan_meier(*_curve_data(name), conf_type=conf_type)

    all_agree(km.lower, expected[f"lower_{suffix}"])
    all_agree(km.upper, expected[f"upper_{suffix}"])
    assert agree(km.median, expected["median"])
    assert agree(km.median_lower, expected[f"median_lcl_{suffix}"])
    assert agree(km.median_upper, expected[f"median_ucl_{suffix}"])


def test_the_median_follow_up_takes_the_midpoint_of_an_exact_one_half_plateau():
    assert median_follow_up(*_curve_data("plateau")) == 2.5


def test_there_is_no_median_follow_up_when_nobody_was_censored_or_nobody_was_followed():
    assert median_follow_up(*_curve_data("all_died")) is None
    assert median_follow_up([], []) is None
