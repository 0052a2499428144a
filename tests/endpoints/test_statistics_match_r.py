"""Every figure of the reference analysis agrees with R's survival package to 1e-6.

The reference (tests/data/reference/) is R 4.2.2 / survival 3.5-3 on a synthetic trial of 300
patients with tied event days, deaths on day 0 and censorings on event days.
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

import pytest
from lifelines import KaplanMeierFitter

from endpoints.statistics.comparison import cox, logrank
from endpoints.statistics.kaplan_meier import kaplan_meier

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
RELATIVE = 1e-6
TRANSFORMS = {"log": "log", "log-log": "loglog", "plain": "plain"}


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFERENCE / "reference_trial_n300.json").read_text())


@pytest.fixture(scope="module")
def trial() -> list[dict]:
    with (REFERENCE / "trial_n300.csv").open() as handle:
        return list(csv.DictReader(handle))


def _agree(ours, theirs, relative=RELATIVE):
    """Equal to `relative`, with R's NA (None) matched by None, never by 0 or 1."""
    if theirs is None:
        return ours is None
    if ours is None:
        return False
    return math.isclose(ours, theirs, rel_tol=relative, abs_tol=1e-12)


def _all_agree(ours, theirs, relative=RELATIVE):
    assert len(ours) == len(theirs)
    mismatches = [
        (i, a, b)
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
        if not _agree(a, b, relative)
    ]
    assert not mismatches, mismatches[:5]


def _arm(trial, arm):
    rows = [r for r in trial if r["arm"] == arm]
    return [float(r["os_days"]) for r in rows], [int(r["os_event"]) for r in rows]


@pytest.mark.parametrize("arm", ["control", "dex"])
def test_it_reproduces_r_survfit_table(reference, trial, arm):
    expected = reference["km"][arm]
    km = kaplan_meier(*_arm(trial, arm))

    assert (km.n, km.events) == (expected["n"], expected["events"])
    table = expected["table"]
    assert km.time == table["time"]
    assert km.n_risk == table["n_risk"]
    assert km.n_event == table["n_event"]
    assert km.n_censor == table["n_censor"]
    _all_agree(km.surv, table["surv"])
    _all_agree(km.std_err_cumhaz, table["std_err_cumhaz"])
    _all_agree(km.std_err_surv, table["std_err_surv"])


@pytest.mark.parametrize("arm", ["control", "dex"])
@pytest.mark.parametrize("conf_type", list(TRANSFORMS))
def test_it_reproduces_r_confidence_limits_and_median_interval(reference, trial, arm, conf_type):
    expected, suffix = reference["km"][arm], TRANSFORMS[conf_type]
    km = kaplan_meier(*_arm(trial, arm), conf_type=conf_type)

    _all_agree(km.lower, expected[f"lower_{suffix}"])
    _all_agree(km.upper, expected[f"upper_{suffix}"])
    assert _agree(km.median, expected["median"])
    assert _agree(km.median_lower, expected[f"median_lcl_{suffix}"])
    assert _agree(km.median_upper, expected[f"median_ucl_{suffix}"])


@pytest.mark.parametrize("arm", ["control", "dex"])
def test_it_counts_at_risk_as_time_at_least_t_and_reads_survival_there(reference, trial, arm):
    expected = reference["km"][arm]
    km = kaplan_meier(*_arm(trial, arm))

    for t in reference["risk_times"]:
        assert km.n_at_risk(t) == expected["n_at_risk"][str(t)]
        assert _agree(km.survival_at(t), expected["surv_at_risk_times"][str(t)])


def _all(trial):
    return (
        [float(r["os_days"]) for r in trial],
        [int(r["os_event"]) for r in trial],
        [r["arm"] for r in trial],
    )


@pytest.mark.parametrize("key, stratified", [("logrank", False), ("logrank_stratified", True)])
def test_it_reproduces_r_survdiff(reference, trial, key, stratified):
    expected = reference[key]
    test = logrank(
        *_all(trial),
        treatment="dex",
        reference="control",
        strata=[r["regimen"] for r in trial] if stratified else None,
    )

    assert _agree(test.chisq, expected["chisq"])
    assert _agree(test.p, expected["p"])
    for arm in ("dex", "control"):
        assert _agree(test.observed[arm], expected["observed"][f"arm={arm}"])
        assert _agree(test.expected[arm], expected["expected"][f"arm={arm}"])


@pytest.mark.parametrize("key, stratified", [("cox", False), ("cox_stratified", True)])
def test_it_reproduces_r_coxph_with_efron_ties(reference, trial, key, stratified):
    expected = reference[key]
    model = cox(
        *_all(trial),
        treatment="dex",
        reference="control",
        strata=[r["regimen"] for r in trial] if stratified else None,
    )

    for name in (
        "coef",
        "se",
        "hr",
        "hr_lower",
        "hr_upper",
        "wald_z",
        "wald_p",
        "loglik_null",
        "loglik",
        "lr_chisq",
        "score_chisq",
    ):
        assert _agree(getattr(model, name), expected[name]), name
    assert (model.n, model.nevent) == (expected["n"], expected["nevent"])
    # Converged as R is with eps=1e-12, not stopped early as lifelines' default would.
    assert _agree(model.coef, expected["coef_tight_eps1e12"], relative=1e-8)


def test_it_takes_the_midpoint_of_a_plateau_at_exactly_one_half():
    # S = 0.75, 0.5, 0.25, 0 at days 1-4: flat at exactly 0.5 from day 2 to day 3.
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])

    assert km.surv[1] == 0.5
    assert km.median == 2.5  # R and SAS; lifelines' median_survival_time_ says 2


def test_it_ends_a_final_plateau_at_one_half_at_the_last_follow_up():
    km = kaplan_meier([10, 10, 20, 20, 30, 30], [1, 1, 1, 0, 0, 0])

    assert km.surv[-1] == pytest.approx(0.5)
    assert km.median == 25  # midpoint of day 20 and the last time under observation


def test_it_gives_no_confidence_limit_where_the_curve_reaches_zero():
    km = kaplan_meier([1, 2, 3], [1, 1, 1], conf_type="log-log")

    assert km.surv[-1] == 0
    assert km.lower[-1] is None and km.upper[-1] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_agrees_with_lifelines_where_their_conventions_meet_on_other_data(seed):
    """On other tied, censored data: survival and log-log limits equal lifelines' own."""
    rng = random.Random(seed)
    durations = [rng.randint(0, 400) for _ in range(rng.randint(20, 200))]
    events = [int(rng.random() < 0.7) for _ in durations]
    km = kaplan_meier(durations, events, conf_type="log-log")
    fitter = KaplanMeierFitter().fit(durations, events)

    for t, surv, lower, upper in zip(km.time, km.surv, km.lower, km.upper, strict=True):
        assert surv == pytest.approx(float(fitter.survival_function_at_times(t).iloc[0]), rel=1e-12)
        if lower is not None:
            ci = fitter.confidence_interval_survival_function_.loc[t]
            assert lower == pytest.approx(float(ci.iloc[0]), rel=1e-9)
            assert upper == pytest.approx(float(ci.iloc[1]), rel=1e-9)
