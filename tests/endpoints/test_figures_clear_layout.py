"""The figures keep their words on the page and off the data (issue 16, figures).

Kaplan-Meier: the legend and the hazard-ratio box sit above the plotting area, never over
a curve, a band or a censor mark, whatever the data; the subtitle wraps instead of running
off the right edge; the at-risk title starts inside the left edge; the subtitle's dates are
written as the pages write them (01/06/2025, the computation time in the trial's zone with
its zone), not ISO. Forest plot: ticks chosen for the data's range whose labels do not run
into each other ("0,250,5"), the axis ending on a tick, and an interval beyond the axis's
cap clipped with an arrowhead. Checked on the drawn figure (Agg renderer), in French.
"""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from endpoints import plots
from tests.endpoints.figures_trial import analysed

COMPUTED_AT = "2025-06-02 10:00 UTC"  # as the worker stores it


@pytest.fixture(scope="module")
def trial():
    return analysed()


def _drawn(figure):
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    return renderer


def _words(figure, renderer):
    """Every visible text of the figure with its box on the canvas."""
    return [
        (text, text.get_window_extent(renderer))
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]


def _km(trial, language, name="OS", kind="by_arm"):
    with translation.override(language):
        figure = plots.analysis_figure(trial.results, name=name, kind=kind, computed_at=COMPUTED_AT)
        return figure, _drawn(figure)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", ["OS", "EFS"])
def test_the_legend_and_the_hazard_ratio_box_stay_off_the_plotting_area(trial, language, name):
    figure, renderer = _km(trial, language, name)
    survival = next(axes for axes in figure.axes if axes.get_gid() == "survival")
    plotting_area = survival.get_window_extent(renderer)
    (box,) = [text for text in figure.texts if text.get_gid() == "comparison"]
    (legend,) = figure.legends

    for artist in (box.get_bbox_patch(), legend):
        extent = artist.get_window_extent(renderer)
        assert extent.y0 > plotting_area.y1, artist
        assert figure.bbox.x0 <= extent.x0 and extent.x1 <= figure.bbox.x1
    assert (
        not box.get_bbox_patch()
        .get_window_extent(renderer)
        .overlaps(legend.get_window_extent(renderer))
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", ["by_arm", "pooled"])
def test_every_word_of_the_kaplan_meier_figure_is_inside_it(trial, language, kind):
    figure, renderer = _km(trial, language, kind=kind)
    outside = [
        text.get_text()
        for text, extent in _words(figure, renderer)
        if extent.x0 < figure.bbox.x0 - 0.5
        or extent.x1 > figure.bbox.x1 + 0.5
        or extent.y0 < figure.bbox.y0 - 0.5
        or extent.y1 > figure.bbox.y1 + 0.5
    ]
    assert outside == []
    words = [text.get_text() for text, _ in _words(figure, renderer)]
    if language == "fr":
        assert "Nombre de patients à risque" in words
        assert any(word.endswith("marques sur les courbes\u00a0: censurés") for word in words)


def test_the_subtitle_writes_its_dates_as_the_pages_do(trial):
    figure, _renderer = _km(trial, "fr")
    subtitle = " ".join(
        text.get_text() for text in figure.texts if (text.get_gid() or "").startswith("subtitle")
    )

    assert "Date de point 01/06/2025" in subtitle
    assert "calculé le 02/06/2025 12:00 CEST" in subtitle  # 10:00 UTC, Paris summer time
    assert "2025-06" not in subtitle and "UTC" not in subtitle


def _subgroups(trial, **overall):
    subgroups = trial.results["os_subgroups"]
    return {**subgroups, "overall": {**subgroups["overall"], **overall}}


def _forest(subgroups):
    with translation.override("fr"):
        figure = plots.forest_figure(subgroups, cutoff="2025-06-01", computed_at=COMPUTED_AT)
        return figure, _drawn(figure)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [(0.43, 1.94), (0.55, 10.35), (0.04, 15.23), (0.2, 5.1), (0.3, 3.0), (0.012, 80.0)],
)
def test_the_forest_ticks_fit_the_data_and_their_labels_do_not_touch(trial, lower, upper):
    figure, renderer = _forest(_subgroups(trial, hr_lower=lower, hr_upper=upper))
    axis = figure.axes[0]
    ticks = list(axis.get_xticks())
    labels = [label for label in axis.get_xticklabels() if label.get_text()]
    extents = sorted((label.get_window_extent(renderer) for label in labels), key=lambda e: e.x0)

    assert 1.0 in ticks and len(labels) == len(ticks) >= 3
    assert axis.get_xlim() == pytest.approx((ticks[0], ticks[-1]))
    assert ticks[0] <= lower and upper <= ticks[-1]
    assert all(left.x1 < right.x0 for left, right in itertools.pairwise(extents))
    assert all("." not in label.get_text() for label in labels)  # 0,25 in French


def test_an_interval_beyond_the_axis_is_clipped_with_an_arrowhead(trial):
    figure, _renderer = _forest(_subgroups(trial, hr=20.0, hr_lower=3.0, hr_upper=500.0))
    axis = figure.axes[0]
    _left, right = axis.get_xlim()
    (interval,) = [line for line in axis.get_lines() if line.get_gid() == "interval-0"]
    (arrow,) = [line for line in axis.get_lines() if line.get_gid() == "beyond-0"]

    assert right == 100.0
    assert max(interval.get_xdata()) == right and min(interval.get_xdata()) == 3.0
    assert arrow.get_marker() == ">" and list(arrow.get_xdata()) == [right]
