"""The Kaplan-Meier figures of the analyses page where an interval degenerates, read as a
statistician would (issue 16, EFS of the dex arm).

- While S(t) is 1 (no event yet) Greenwood's variance is 0 and the interval is the point 1,
  before the first time as after a censoring: the 30-day and the 60-day mortality of a curve
  without deaths read alike (they were "0,0 % (0,0 %–0,0 %)" and "0,0 % (n.d.–n.d.)").
- Where S(t) is 0 the variance is infinite and the log-log interval undefined: written "n.d."
  on the page as in the figure (which wrote "—" for a missing value).
- The lower bound of a median is the first time the lower confidence curve reaches 0.5: an
  EFS with induction failures (events dated at randomization, day 0) can have it at day 0.
  R's quantile(survfit(conf.type = "log-log")) says the same (run when R is installed).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from django.utils import translation

from endpoints.early_mortality import early_mortality_of
from endpoints.plots import forest_figure
from endpoints.statistics.kaplan_meier import kaplan_meier
from endpoints.templatetags.analysis import percent

# Six induction failures on day 0 among 14, then relapses or deaths and censorings; the last
# patient dies on day 534, so S is 0 from there.
EFS_DAYS = [0, 0, 0, 0, 0, 0, 40, 95, 120, 200, 260, 300, 410, 534]
EFS_EVENTS = [1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1]


def test_a_curve_still_at_one_has_the_interval_one_to_one_before_and_after_a_censoring():
    curve = kaplan_meier([45, 70, 90, 200], [0, 0, 1, 1], conf_type="log-log")

    assert curve.survival_at(30) == curve.survival_at(60) == 1.0
    assert curve.confidence_at(30) == curve.confidence_at(60) == (1.0, 1.0)


def test_30_and_60_day_mortality_without_deaths_read_alike():
    days = np.array([45, 70, 90, 200])
    events = np.array([0, 0, 1, 1])
    arms = np.array(["dex", "dex", "control", "control"], dtype=object)

    windows = early_mortality_of(days, events, arms)["pooled"]["windows"]

    assert windows["30"]["km"] == windows["60"]["km"]
    assert windows["60"]["km"]["lower"] == windows["60"]["km"]["upper"] == 0
    with translation.override("fr"):
        written = {
            day: [percent(windows[day]["km"][k]) for k in ("estimate", "lower", "upper")]
            for day in ("30", "60")
        }
    assert written["30"] == written["60"] == ["0,0\u00a0%"] * 3


def test_a_survival_of_zero_has_no_interval_written_n_d_in_tables_and_figures():
    curve = kaplan_meier(EFS_DAYS, EFS_EVENTS, conf_type="log-log")

    assert curve.survival_at(730) == 0.0
    assert curve.confidence_at(730) == (None, None)
    nobody = {"events": 0, "n": 1}
    no_interaction = {
        "overall": {
            "hr": None,
            "by_arm": {"dex": nobody, "control": nobody},
            "not_estimable": "No deaths: the hazard ratio is not estimable.",
        },
        "factors": [{"label": "NPM1", "interaction": {"p": None}, "levels": []}],
    }
    with translation.override("fr"):
        assert percent(curve.confidence_at(730)[0]) == "n.d."
        figure = forest_figure(no_interaction, cutoff="01/06/2025", computed_at="02/06/2025")
        texts = [t.get_text() for t in figure.axes[0].texts]
    assert "n.d." in texts
    assert "—" not in texts


def test_the_median_lower_bound_is_day_0_when_the_lower_curve_starts_below_one_half():
    curve = kaplan_meier(EFS_DAYS, EFS_EVENTS, conf_type="log-log")

    assert curve.median is not None and curve.median > 0
    assert curve.lower[0] is not None and curve.lower[0] < 0.5 < curve.surv[0]
    assert curve.median_lower == 0.0


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (CI installs it)")
def test_r_gives_the_same_median_and_interval():
    script = (
        "library(survival);"
        f"f <- survfit(Surv(c({','.join(map(str, EFS_DAYS))}),"
        f" c({','.join(map(str, EFS_EVENTS))})) ~ 1, conf.type = 'log-log');"
        "q <- quantile(f, 0.5); cat(q$quantile, q$lower, q$upper, sep = ',')"
    )
    ran = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, timeout=120, check=True
    )
    median, lower, upper = (None if v == "NA" else float(v) for v in ran.stdout.split(","))
    curve = kaplan_meier(EFS_DAYS, EFS_EVENTS, conf_type="log-log")

    assert (curve.median, curve.median_lower, curve.median_upper) == (median, lower, upper)
