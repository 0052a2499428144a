"""The Kaplan-Meier figures, fit to publish (issue 16 item 5).

Time runs in months since randomization, ticked every 3 months for up to two years of
follow-up and every 6 beyond. Under each tick, the number still at risk there (time ≥ t, as
R's summary(fit, times=) counts): the same numbers a reader would count in the data, printed
as text in the SVG and centred on the tick. The at-risk rows are named in the left margin,
clear of the first column. The by-arm figure states the hazard ratio (95% CI) and the
log-rank p, unstratified and stratified, the strata named as a reader names them; the pooled
figure compares nothing. Each arm keeps its own line style, censor mark and hatching, so the
figure survives a black-and-white printer.
"""

from __future__ import annotations

import datetime as dt

import pytest

from endpoints import plots
from endpoints.analysis import analysis_compute
from endpoints.statistics.kaplan_meier import kaplan_meier
from tests.endpoints.figures_trial import MONTH, all_text, analysed, texts, x_tick_labels

COMPUTED_AT = "2025-06-02 10:00 UTC"


@pytest.fixture(scope="module")
def trial():
    return analysed()


@pytest.fixture(scope="module")
def figures(trial):
    return plots.analysis_figures(trial.results, COMPUTED_AT)


def _at_risk_by_tick(svg: str, row: str) -> dict[str, tuple[float, str]]:
    """Each tick's month → (the x of the number printed under it, that number)."""
    found = {}
    for label in x_tick_labels(svg):
        (number,) = texts(svg, f"at-risk-{row}-{label.text}")
        found[label.text] = (float(number.get("x")), number.text)
    return found


@pytest.mark.parametrize(
    ("horizon_days", "ticks"),
    [
        (1, [0, 3]),
        (200, [0, 3, 6, 9]),
        (365.25, [0, 3, 6, 9, 12]),
        (2 * 365.25, [0, 3, 6, 9, 12, 15, 18, 21, 24]),
        (2 * 365.25 + 1, [0, 6, 12, 18, 24, 30]),
        (5 * 365.25, list(range(0, 61, 6))),
    ],
)
def test_it_ticks_every_3_months_up_to_two_years_and_every_6_beyond(horizon_days, ticks):
    assert plots.month_ticks(horizon_days) == ticks


@pytest.mark.parametrize("kind", ["by_arm", "pooled"])
def test_it_prints_under_each_month_tick_the_number_still_at_risk_there(trial, figures, kind):
    svg = figures["OS"][kind]
    ticks = [label.text for label in x_tick_labels(svg)]
    longest = max(r.days for r in trial.os_rows())
    assert ticks == [str(m) for m in plots.month_ticks(longest)]
    assert ticks[:3] == ["0", "6", "12"]  # about 29 months of follow-up: every 6 months

    rows = ["dex", "control"] if kind == "by_arm" else ["pooled"]
    for row in rows:
        data = trial.os_rows(None if row == "pooled" else row)
        printed = _at_risk_by_tick(svg, row)
        for label in x_tick_labels(svg):
            month = int(label.text)
            x, number = printed[label.text]
            assert number == str(sum(r.days >= month * MONTH for r in data)), (row, month)
            assert x == pytest.approx(float(label.get("x")), abs=0.01), (row, month)
        assert printed["0"][1] == str(len(data))


def test_its_numbers_at_risk_are_the_kaplan_meier_tables_at_every_day(trial):
    # Ties of deaths and censorings included (every fifth patient ties with the previous).
    for arm in ("dex", "control", None):
        rows = trial.os_rows(arm)
        summary = trial.results["endpoints"]["OS"]["by_arm"][arm] if arm else None
        summary = summary or trial.results["endpoints"]["OS"]["pooled"]
        fitted = kaplan_meier([r.days for r in rows], [r.event for r in rows])
        for day in range(0, max(r.days for r in rows) + 3):
            assert plots.n_at_risk(summary, day) == fitted.n_at_risk(day), (arm, day)
        for day, count in summary["at_risk"].items():
            assert plots.n_at_risk(summary, int(day)) == count


def test_it_labels_its_axes_and_names_the_at_risk_rows_in_the_left_margin(figures):
    svg = figures["OS"]["by_arm"]
    words = all_text(svg)
    for label in (
        "Months since randomization",
        "Overall survival probability",
        "Number at risk",
        "Salvage + dexamethasone",
        "Salvage alone",
    ):
        assert label in words
    assert "Event-free survival probability" in all_text(figures["EFS"]["by_arm"])
    first_column = float(x_tick_labels(svg)[0].get("x"))
    for row in ("dex", "control"):
        (label,) = texts(svg, f"at-risk-label-{row}")
        assert "text-anchor: end" in label.get("style")
        # The label ends left of the first count (centred on month 0) with room to spare.
        (first,) = texts(svg, f"at-risk-{row}-0")
        assert float(first.get("x")) == pytest.approx(first_column, abs=0.01)
        assert float(label.get("x")) < first_column - 12


def _comparison_lines(results, parameter="OS"):
    comparison = results["endpoints"][parameter]["comparison"]
    unstratified, stratified = comparison["unstratified"], comparison["stratified"]

    def line(analysis):
        cox, p = analysis["cox"], analysis["logrank"]["p"]
        return f"HR {cox['hr']:.2f} ({cox['hr_lower']:.2f}–{cox['hr_upper']:.2f}); p = {p:.3f}"

    return [
        f"Unstratified: {line(unstratified)}",
        f"Stratified by Salvage regimen × Disease status: {line(stratified)}",
    ]


def test_the_by_arm_figure_states_the_hazard_ratio_and_the_log_rank_p(trial, figures):
    corner = [text.text for text in texts(figures["OS"]["by_arm"], "comparison")]
    assert corner[0] == "DEX vs CONTROL: hazard ratio (95% CI), Cox; log-rank p"
    assert corner[1:] == _comparison_lines(trial.results)
    svg = figures["OS"]["by_arm"].lower()
    assert "diseasestatus" not in svg and "disease_status" not in svg


@pytest.mark.parametrize("parameter", ["OS", "EFS"])
def test_the_pooled_figure_compares_nothing(figures, parameter):
    svg = figures[parameter]["pooled"]
    assert texts(svg, "comparison") == []
    words = " ".join(all_text(svg))
    for comparative in ("HR", "hazard ratio", "log-rank", "DEX", "CONTROL", "dexamethasone"):
        assert comparative not in words
    assert "All randomized patients" in words


def test_each_arm_is_told_apart_without_colour(trial):
    figure = plots.analysis_figure(trial.results, name="OS", kind="by_arm", computed_at=COMPUTED_AT)
    survival = next(axes for axes in figure.axes if axes.get_gid() == "survival")
    curves = {
        line.get_label(): line for line in survival.get_lines() if "(n = " in line.get_label()
    }
    dex, control = (
        next(line for label, line in curves.items() if label.startswith(name))
        for name in ("Salvage + dexamethasone", "Salvage alone")
    )
    assert dex.get_linestyle() != control.get_linestyle()
    censor_marks = {
        line.get_marker() for line in survival.get_lines() if line.get_linestyle() == "None"
    }
    assert len(censor_marks) == 2
    hatches = {band.get_hatch() for band in survival.collections}
    assert len(hatches) == 2 and None not in hatches


def test_its_text_stays_text_and_its_files_are_what_they_say(trial):
    results = trial.results
    for file_format, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")):
        drawn = plots.analysis_figure_file(
            results, name="OS", kind="by_arm", computed_at=COMPUTED_AT, file_format=file_format
        )
        assert drawn.startswith(magic)
    svg = plots.analysis_figure_file(
        results, name="OS", kind="by_arm", computed_at=COMPUTED_AT, file_format="svg"
    )
    assert b"<text" in svg and b"Months since randomization</text>" in svg
    # Drawn twice from the same results, the same file: no date, stable element ids.
    again = plots.analysis_figure_file(
        results, name="OS", kind="by_arm", computed_at=COMPUTED_AT, file_format="pdf"
    )
    assert again == plots.analysis_figure_file(
        results, name="OS", kind="by_arm", computed_at=COMPUTED_AT, file_format="pdf"
    )


def test_a_short_follow_up_is_ticked_every_3_months():
    early = analysed(cutoff=dt.date(2023, 12, 31), accrual_days=200)
    svg = plots.analysis_figures(early.results, COMPUTED_AT)["OS"]["by_arm"]
    ticks = [label.text for label in x_tick_labels(svg)]
    assert ticks[:4] == ["0", "3", "6", "9"] and len(ticks) <= 9
    for row in ("dex", "control"):
        data = early.os_rows(row)
        for month, (_, number) in _at_risk_by_tick(svg, row).items():
            assert number == str(sum(r.days >= int(month) * MONTH for r in data))


def test_before_anyone_is_randomized_the_figures_say_there_is_no_one_to_analyse():
    empty = analysis_compute([], dt.date(2025, 1, 1), ["regimen"])
    svg = plots.analysis_figures(empty, COMPUTED_AT)["OS"]["by_arm"]
    assert "No patient to analyse at this cut-off" in all_text(svg)
    assert [label.text for label in x_tick_labels(svg)] == ["0", "3"]
