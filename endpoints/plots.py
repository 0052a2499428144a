"""The analyses' figures: Kaplan-Meier curves and the forest plot of OS by subgroup.

The worker draws every figure of a run as SVG when it computes the run (`analysis_figures`);
a PNG or PDF download is drawn again from the run's stored results (`analysis_figure_file`)
by the same code, so the three files show the same figure. The house style (fonts, each
arm's line style, censor mark and hatching, the files) is endpoints/figure_style.py.

Kaplan-Meier time runs in months since randomization, ticked every 3 or 6 months, with the
number at risk (time ≥ t, as R's summary(fit, times=)) printed under each tick and the rows
named in the left margin. The by-arm figure, served to unblinded roles only, carries the
hazard ratio and the log-rank p in its corner; the pooled one compares nothing.

The worker stores its figures in English (`analysis_figures`); a figure drawn for a reader
(`analysis_figure_file`) is in the active language: every word goes through gettext here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from django.utils import translation
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from audit.time_stamps import time_stamp
from endpoints.figure_style import (
    ARM_STYLES,
    FONT_SIZE,
    INK,
    MONTH_DAYS,
    drawing,
    figure_file,
    new_figure,
)
from endpoints.subgroups import SUBGROUP_FACTORS

PLOTTED = {"OS": gettext_noop("Overall survival"), "EFS": gettext_noop("Event-free survival")}
TITLES = {
    ("OS", "by_arm"): gettext_noop("Overall survival by arm"),
    ("OS", "pooled"): gettext_noop("Overall survival, pooled"),
    ("EFS", "by_arm"): gettext_noop("Event-free survival by arm"),
    ("EFS", "pooled"): gettext_noop("Event-free survival, pooled"),
}
Y_LABELS = {
    "OS": gettext_noop("Overall survival probability"),
    "EFS": gettext_noop("Event-free survival probability"),
}
FOREST = "OS_SUBGROUPS"  # the forest plot's name among a run's figures (by arm only)
# Each arm's colour and label, as the legends and the at-risk rows name them.
ARM_STYLE = {key: (style.colour, style.label) for key, style in ARM_STYLES.items()}
STRATUM_FACTOR_LABELS = {factor.code: factor.label for factor in SUBGROUP_FACTORS} | {
    "site": gettext_noop("Site")
}
# Follow-up up to this many months is ticked every 3 months; longer, every 6.
QUARTERLY_TICKS_UP_TO_MONTHS = 24

# Kaplan-Meier layout, in inches: the left margin holds the at-risk rows' labels. Above the
# plot, a band holds the legend and, on the by-arm figure, the comparison's box: outside the
# plotting area, so neither hides a curve, a band or a censor mark whatever the data.
KM_WIDTH, KM_LEFT, KM_RIGHT, KM_MARGIN = 8.0, 1.95, 0.3, 0.25
KM_TITLE_LINE, KM_SUBTITLE_LINE, KM_PLOT, KM_AXIS_LABELS = 0.38, 0.15, 3.5, 0.58
KM_LEGEND_ROW, KM_COMPARISON_LINE, KM_COMPARISON_PAD, KM_GAP = 0.2, 0.16, 0.14, 0.1
KM_RISK_HEADER, KM_RISK_ROW, KM_BOTTOM = 0.3, 0.24, 0.12
SUBTITLE_SIZE, COMPARISON_SIZE, LEGEND_SIZE = 7.5, 7.5, 8
# Forest plot: 10 inches wide, the HR axis from 40% to 64% of it. Its ticks come from the first
# ladder that fits (forest_ticks), always spanning 0.5 to 2 and capped to 0.01-100: an
# interval beyond the axis ends in an arrowhead.
FOREST_WIDTH, FOREST_LEFT, FOREST_RIGHT = 10.0, 0.4, 0.64
FOREST_SPAN, FOREST_LIMITS, FOREST_TICK_GAP = (0.5, 2.0), (0.01, 100.0), 0.08  # gap in inches
FOREST_LADDERS = (
    tuple(2.0**k for k in range(-3, 4)),  # 0.125 to 8: beyond, the labels grow long
    tuple(round(m * 10.0**k, 6) for k in range(-2, 3) for m in (1, 2, 5)),
    tuple(round(m * 10.0**k, 6) for k in range(-2, 3) for m in (1, 3)),
    tuple(10.0**k for k in range(-2, 3)),
)
# The worker's clock as the runs store it (endpoints/services.py, datacuts/package.py).
STORED_COMPUTED_AT = "%Y-%m-%d %H:%M UTC"


def strata_label(factors: Sequence[str]) -> str:
    """Name the analysis strata as a reader would: 'Salvage regimen × Disease status'."""
    return " × ".join(
        _(STRATUM_FACTOR_LABELS[code])
        if code in STRATUM_FACTOR_LABELS
        else code.replace("_", " ").capitalize()
        for code in factors
    )


def month_ticks(horizon_days: float) -> list[int]:
    """Return the time axis's ticks in months: every 3 months for up to two years of
    follow-up, every 6 beyond, the last at or past the longest follow-up."""
    months = horizon_days / MONTH_DAYS
    step = 3 if months <= QUARTERLY_TICKS_UP_TO_MONTHS else 6
    last = max(step, step * math.ceil(months / step - 1e-9))
    return list(range(0, last + 1, step))


def n_at_risk(summary: dict[str, Any], day: float) -> int:
    """Return the patients still under observation at `day`: time ≥ day.

    Read from the curve's table, which keeps every distinct time with its survival and its
    censorings: the deaths at a time are what the curve's drop says, d = n × (1 - S / previous S).
    """
    curve = summary["curve"]
    at_risk, previous = summary["n"], 1.0
    for time, surv, censored in zip(curve["time"], curve["surv"], curve["n_censor"], strict=True):
        if time >= day:
            break
        events = round(at_risk * (1 - surv / previous)) if previous > 0 else 0
        at_risk -= events + censored
        previous = surv
    return at_risk


def _steps(days: list[float], values: list[float], start: float) -> tuple[list[float], list[float]]:
    """A right-continuous step function from (0, start), in months."""
    xs, ys, current = [0.0], [start], start
    for t, v in zip(days, values, strict=True):
        xs += [t / MONTH_DAYS, t / MONTH_DAYS]
        ys += [current, v]
        current = v
    return xs, ys


def _limits(curve: dict[str, Any], side: str) -> list[float]:
    """A confidence limit at each time: 1 where the curve is still 1 (no event yet, the
    log-log interval is undefined there), no band where the variance is infinite."""
    return [
        (1.0 if surv == 1 else math.nan) if limit is None else limit
        for limit, surv in zip(curve[side], curve["surv"], strict=True)
    ]


def _number(text: str) -> str:
    """A number written with Python's point, with the active language's decimal mark."""
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """The width in inches of one line of `text` in the house font (inside `drawing()`)."""
    font = FontProperties(size=size, weight=weight)
    width, _height, _descent = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return float(width) / 72


def wrapped(text: str, *, size: float, width: float, separator: str = " · ") -> list[str]:
    """`text` in lines no wider than `width` inches, broken between its `separator`-joined
    parts (a part wider than the line keeps a line of its own)."""
    lines: list[str] = []
    for part in text.split(separator):
        candidate = f"{lines[-1]}{separator}{part}" if lines else part
        if lines and text_width(candidate, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(part)
    return lines


def cutoff_text(cutoff: str) -> str:
    """The cut-off (ISO in a run's results) as the reader writes a date: 01/06/2025."""
    try:
        return date_format(dt.date.fromisoformat(cutoff), "SHORT_DATE_FORMAT")
    except ValueError:
        return cutoff


def computed_text(computed_at: str) -> str:
    """When the run was computed (UTC, as stored) in the trial's time with its zone, as the
    pages write a time: '02/06/2025 12:00 CEST'."""
    try:
        stored = dt.datetime.strptime(computed_at, STORED_COMPUTED_AT).replace(tzinfo=dt.UTC)
    except ValueError:
        return computed_at
    return time_stamp(stored).local


def _p_text(p: float | None) -> str:
    if p is None:  # written as the tables write a missing figure (endpoints/templatetags)
        return _("n/a")
    return _number("< 0.001" if p < 0.001 else f"{p:.3f}")


def _hr_text(cox: dict[str, Any]) -> str:
    if cox.get("hr") is None:
        return _("not estimable")
    return _number(f"{cox['hr']:.2f} ({cox['hr_lower']:.2f}–{cox['hr_upper']:.2f})")


def comparison_lines(comparison: dict[str, Any]) -> list[str]:
    """The corner's text: each analysis's hazard ratio (95% CI) and log-rank p."""
    lines = [_("DEX vs CONTROL: hazard ratio (95% CI), Cox; log-rank p")]
    for name in ("unstratified", "stratified"):
        analysis = comparison.get(name)
        if not analysis:
            continue
        heading = (
            _("Unstratified")
            if name == "unstratified"
            else _("Stratified by %(strata)s")
            % {"strata": strata_label(comparison.get("strata_factors") or [])}
        )
        p = analysis["logrank"]["p"]
        p_text = f"p {_p_text(p)}" if p is not None and p < 0.001 else f"p = {_p_text(p)}"
        lines.append(
            _("%(heading)s: HR %(hr)s; %(p)s")
            % {"heading": heading, "hr": _hr_text(analysis["cox"]), "p": p_text}
        )
    return lines


def km_figure(
    curves: dict[str, dict[str, Any] | None],
    *,
    title: str,
    cutoff: str,
    computed_at: str,
    comparison: dict[str, Any] | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Return the Kaplan-Meier figure of `curves` (by arm, or pooled) with their 95% CI
    bands, censor marks and numbers at risk; with `comparison`, its HR and log-rank p."""
    rows = [(key, summary) for key, summary in curves.items() if summary]
    horizon = max([max(s["curve"]["time"], default=0) for _, s in rows] + [1])
    ticks = month_ticks(horizon)
    inner = KM_WIDTH - KM_LEFT - KM_RIGHT
    with drawing():
        subtitle = wrapped(
            _(
                "Cut-off %(cutoff)s · computed %(computed_at)s · Kaplan-Meier estimates with "
                "95%% CI (log-log) · marks on the curves: censored"
            )
            % {"cutoff": cutoff_text(cutoff), "computed_at": computed_text(computed_at)},
            size=SUBTITLE_SIZE,
            width=KM_WIDTH - 2 * KM_MARGIN,
        )
        corner = comparison_lines(comparison) if comparison else []
        title_height = KM_TITLE_LINE + KM_SUBTITLE_LINE * len(subtitle) + KM_GAP
        legend_height = KM_LEGEND_ROW * len(rows) + KM_GAP if rows else 0.0
        corner_height = (
            KM_COMPARISON_LINE * len(corner) + KM_COMPARISON_PAD + KM_GAP if corner else 0.0
        )
        risk_height = KM_RISK_HEADER + KM_RISK_ROW * max(len(rows), 1) + KM_BOTTOM
        top = title_height + legend_height + corner_height
        height = top + KM_PLOT + KM_AXIS_LABELS + risk_height
        figure = new_figure(KM_WIDTH, height)
        axis = figure.add_axes(
            (
                KM_LEFT / KM_WIDTH,
                (KM_AXIS_LABELS + risk_height) / height,
                inner / KM_WIDTH,
                KM_PLOT / height,
            ),
            gid="survival",
        )
        table = figure.add_axes(
            (
                KM_LEFT / KM_WIDTH,
                KM_BOTTOM / height,
                inner / KM_WIDTH,
                (risk_height - KM_BOTTOM) / height,
            ),
            sharex=axis,
            gid="at-risk",
        )
        legend_lines: list[Line2D] = []
        for key, summary in rows:
            style = ARM_STYLES[key]
            curve = summary["curve"]
            xs, ys = _steps(curve["time"], curve["surv"], 1.0)
            _xs, lower = _steps(curve["time"], _limits(curve, "lower"), 1.0)
            _xs, upper = _steps(curve["time"], _limits(curve, "upper"), 1.0)
            axis.fill_between(
                xs,
                lower,
                upper,
                facecolor=to_rgba(style.colour, 0.12),
                edgecolor=to_rgba(style.colour, 0.45),
                hatch=style.band_hatch or None,
                linewidth=0,
            )
            (curve_line,) = axis.plot(
                xs,
                ys,
                color=style.colour,
                linestyle=style.linestyle,
                linewidth=1.6,
                label=_("%(arm)s (n = %(n)s)") % {"arm": _(style.label), "n": summary["n"]},
            )
            legend_lines.append(curve_line)
            censored = [
                (t / MONTH_DAYS, s)
                for t, s, c in zip(curve["time"], curve["surv"], curve["n_censor"], strict=True)
                if c
            ]
            if censored:
                axis.plot(
                    [t for t, _ in censored],
                    [s for _, s in censored],
                    linestyle="none",
                    marker=style.censor_marker,
                    color=style.colour,
                    markersize=7,
                    markeredgewidth=1.1,
                )
        axis.set_xlim(0, ticks[-1])
        axis.set_ylim(0, 1.02)
        axis.xaxis.set_major_locator(FixedLocator(ticks))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        axis.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        mark = get_format("DECIMAL_SEPARATOR")  # 0,8 in French, read now (see the forest)
        axis.yaxis.set_major_formatter(
            FuncFormatter(lambda value, _pos: f"{value:.1f}".replace(".", mark))
        )
        axis.set_xlabel(_("Months since randomization"))
        axis.set_ylabel(ylabel if ylabel is not None else _("Survival probability"))
        axis.grid(axis="y", color="#bbbbbb", linewidth=0.5)
        if rows:
            # Above the plot, left-aligned with it: one row per curve.
            figure.legend(
                handles=legend_lines,
                loc="upper left",
                bbox_to_anchor=(KM_LEFT / KM_WIDTH, 1 - title_height / height),
                bbox_transform=figure.transFigure,
                fontsize=LEGEND_SIZE,
                handlelength=3,
                borderaxespad=0,
                borderpad=0,
                labelspacing=0.4,
            )
        else:
            axis.text(
                0.5,
                0.5,
                _("No patient to analyse at this cut-off"),
                ha="center",
                transform=axis.transAxes,
            )
        figure.text(
            KM_MARGIN / KM_WIDTH, 1 - 0.12 / height, title, fontsize=11, fontweight="bold", va="top"
        )
        for i, line in enumerate(subtitle):
            figure.text(
                KM_MARGIN / KM_WIDTH,
                1 - (KM_TITLE_LINE + KM_SUBTITLE_LINE * i) / height,
                line,
                fontsize=SUBTITLE_SIZE,
                va="top",
                gid=f"subtitle-{i}",
            )
        if corner:
            # Under the legend, above the plot: late in follow-up the curves are low, but a
            # corner inside the axes still hid a curve for some data; out here it hides none.
            # Aligned with the plot, or with the title where a long strata name needs the room.
            widest = max(text_width(line, COMPARISON_SIZE) for line in corner)
            left = KM_LEFT if KM_LEFT + widest + 0.1 <= KM_WIDTH - KM_MARGIN else KM_MARGIN
            figure.text(
                (left + 0.06) / KM_WIDTH,
                1 - (title_height + legend_height + KM_COMPARISON_PAD / 2) / height,
                "\n".join(corner),
                fontsize=COMPARISON_SIZE,
                va="top",
                ha="left",
                multialignment="left",
                linespacing=1.5,
                gid="comparison",
                bbox={
                    "facecolor": (1, 1, 1, 0.85),
                    "edgecolor": INK,
                    "linewidth": 0.5,
                    "pad": 4,
                },
            )
        _at_risk_table(table, rows, ticks)
    return figure


def _at_risk_table(table: Any, rows: list[tuple[str, dict[str, Any]]], ticks: list[int]) -> None:
    """The numbers at risk under the ticks; the rows' labels in the margin, clear of the
    first column."""
    table.set_ylim(0, len(rows) * KM_RISK_ROW + KM_RISK_HEADER)
    table.axis("off")
    margin = {"xytext": (-16, 0), "textcoords": "offset points", "ha": "right", "va": "center"}
    top = len(rows) * KM_RISK_ROW
    # The header starts at the figure's margin, on its own line above the counts: a
    # language's longer words ("Nombre de patients à risque") run right, not off the page.
    table.annotate(
        _("Number at risk"),
        xy=(KM_MARGIN / KM_WIDTH, top + KM_RISK_HEADER / 2),
        xycoords=("figure fraction", "data"),
        fontsize=8,
        fontweight="bold",
        ha="left",
        va="center",
        gid="at-risk-header",
    )
    for i, (key, summary) in enumerate(rows):
        style = ARM_STYLES[key]
        y = top - (i + 0.5) * KM_RISK_ROW
        table.annotate(
            _(style.label),
            xy=(0, y),
            xycoords=table.get_yaxis_transform(),
            fontsize=8,
            color=style.colour,
            gid=f"at-risk-label-{key}",
            **margin,
        )
        for month in ticks:
            table.text(
                month,
                y,
                str(n_at_risk(summary, month * MONTH_DAYS)),
                ha="center",
                va="center",
                fontsize=8,
                color=style.colour,
                gid=f"at-risk-{key}-{month}",
            )


def km_svg(
    curves: dict[str, dict[str, Any] | None],
    *,
    title: str,
    cutoff: str,
    computed_at: str,
    comparison: dict[str, Any] | None = None,
    ylabel: str | None = None,
) -> str:
    """Return the Kaplan-Meier figure (km_figure) as SVG."""
    figure = km_figure(
        curves,
        title=title,
        cutoff=cutoff,
        computed_at=computed_at,
        comparison=comparison,
        ylabel=ylabel,
    )
    return figure_file(figure, "svg").decode()


def forest_ticks(low: float, high: float) -> list[float]:
    """The forest plot's ticks, first and last bounding the axis: the first ladder (powers of
    2, then 1-2-5, 1-3, decades) whose ticks from `low` to `high` (capped to FOREST_LIMITS)
    have labels that do not touch on the axis's width (0,25 and 0,5 ran into '0,250,5')."""
    low = min(max(low, FOREST_LIMITS[0]), 1.0)
    high = max(min(high, FOREST_LIMITS[1]), 1.0)
    width = (FOREST_RIGHT - FOREST_LEFT) * FOREST_WIDTH
    for ladder in FOREST_LADDERS:
        below = [t for t in ladder if t <= low]
        above = [t for t in ladder if t >= high]
        if not below or not above:
            continue
        ticks = [t for t in ladder if below[-1] <= t <= above[0]]
        span = math.log(ticks[-1] / ticks[0])
        place = [width * math.log(t / ticks[0]) / span for t in ticks]
        half = [text_width(_number(f"{t:g}"), FONT_SIZE) / 2 for t in ticks]
        if all(
            place[i + 1] - half[i + 1] - (place[i] + half[i]) >= FOREST_TICK_GAP
            for i in range(len(ticks) - 1)
        ):
            return ticks
    return [FOREST_LIMITS[0], 1.0, FOREST_LIMITS[1]]


def _forest_interval(
    axis: Any, level: dict[str, Any], y: float, limits: tuple[float, float], *, overall: bool
) -> None:
    """A level's CI as a line, clipped to the axis with an arrowhead where it runs past,
    and its estimate (the overall one as a diamond, each level's as a square: apart in
    print) where it falls on the axis."""
    lower, upper = max(level["hr_lower"], limits[0]), min(level["hr_upper"], limits[1])
    axis.plot([lower, upper], [y, y], color=INK, linewidth=1.2, gid=f"interval-{y}")
    for clipped, end, marker in (
        (level["hr_lower"] < limits[0], limits[0], "<"),
        (level["hr_upper"] > limits[1], limits[1], ">"),
    ):
        if clipped:
            axis.plot([end], [y], marker, color=INK, markersize=5, gid=f"beyond-{y}")
    if limits[0] <= level["hr"] <= limits[1]:
        axis.plot(
            [level["hr"]],
            [y],
            "D" if overall else "s",
            color=INK,
            markerfacecolor="white" if overall else INK,
            markersize=6 if overall else 5,
        )


def forest_figure(subgroups: dict[str, Any], *, cutoff: str, computed_at: str) -> Figure:
    """Return the forest plot: HR DEX vs CONTROL (95% CI, log scale) per subgroup level,
    deaths/patients per arm, and each factor's interaction p; non-estimable HRs are named."""
    rows: list[tuple[str, dict[str, Any] | None, str]] = [
        (_("All patients"), subgroups["overall"], "")
    ]
    for factor in subgroups["factors"]:
        rows.append((_(factor["label"]), None, _p_text(factor["interaction"]["p"])))
        rows += [(f"   {_(level['label'])}", level, "") for level in factor["levels"]]
    drawn = [r[1] for r in rows if r[1] and r[1]["hr"] is not None]
    low = min([d["hr_lower"] for d in drawn] + [FOREST_SPAN[0]])
    high = max([d["hr_upper"] for d in drawn] + [FOREST_SPAN[1]])
    with drawing():
        subtitle = wrapped(
            _(
                "Cut-off %(cutoff)s · computed %(computed_at)s · Cox (Efron ties) per level, "
                "95%% Wald CI; interaction: likelihood-ratio test · d/n: deaths/patients"
            )
            % {"cutoff": cutoff_text(cutoff), "computed_at": computed_text(computed_at)},
            size=SUBTITLE_SIZE,
            width=FOREST_WIDTH - 0.4,
        )
        ticks = forest_ticks(low, high)
        header = 0.8 + KM_SUBTITLE_LINE * (len(subtitle) - 1)
        height = header + 0.5 + 0.28 * len(rows)
        figure = new_figure(FOREST_WIDTH, height)
        axis = figure.add_subplot()
        axis.set_xscale("log")
        axis.set_xlim(ticks[0], ticks[-1])
        axis.set_ylim(len(rows) - 0.4, -1.4)
        axis.axvline(1.0, color=INK, linewidth=0.8, linestyle=":")
        text: dict[str, Any] = {
            "fontsize": 8,
            "va": "center",
            "transform": axis.get_yaxis_transform(),
        }
        for column, x in (
            (_("Subgroup"), -1.25),
            (_("DEX d/n"), -0.68),
            (_("CONTROL d/n"), -0.36),
        ):
            axis.text(x, -1, column, fontweight="bold", **text)
        axis.text(1.03, -1, _("HR (95% CI)"), fontweight="bold", **text)
        axis.text(1.5, -1, _("Interaction p"), fontweight="bold", **text)
        for y, (label, level, p_text) in enumerate(rows):
            axis.text(-1.25, y, label, fontweight="normal" if level else "bold", **text)
            if p_text:
                axis.text(1.5, y, p_text, **text)
            if level is None:
                continue
            for arm, x in (("dex", -0.68), ("control", -0.36)):
                counts = level["by_arm"][arm]
                axis.text(x, y, f"{counts['events']}/{counts['n']}", **text)
            axis.text(1.03, y, _hr_text(level), **text)
            if level["hr"] is not None:
                _forest_interval(axis, level, y, (ticks[0], ticks[-1]), overall=y == 0)
        axis.set_yticks([])
        axis.xaxis.set_major_locator(FixedLocator(ticks))
        # The decimal mark read now: the labels are formatted when the figure is saved.
        mark = get_format("DECIMAL_SEPARATOR")
        axis.xaxis.set_major_formatter(
            FuncFormatter(lambda value, _pos: f"{value:g}".replace(".", mark))
        )
        axis.xaxis.set_minor_locator(FixedLocator([]))
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel(_("Hazard ratio, DEX vs CONTROL (log scale) · < 1 favours DEX"), fontsize=8)
        figure.text(
            0.02,
            1 - 0.12 / height,
            _("Overall survival by subgroup"),
            fontsize=11,
            fontweight="bold",
            va="top",
        )
        for i, line in enumerate(subtitle):
            figure.text(
                0.02,
                1 - (0.38 + KM_SUBTITLE_LINE * i) / height,
                line,
                fontsize=SUBTITLE_SIZE,
                va="top",
                gid=f"subtitle-{i}",
            )
        for side in ("left", "right", "top"):
            axis.spines[side].set_visible(False)
        figure.subplots_adjust(
            left=FOREST_LEFT, right=FOREST_RIGHT, top=1 - header / height, bottom=0.55 / height
        )
    return figure


def forest_svg(subgroups: dict[str, Any], *, cutoff: str, computed_at: str) -> str:
    """Return the forest plot (forest_figure) as SVG."""
    return figure_file(
        forest_figure(subgroups, cutoff=cutoff, computed_at=computed_at), "svg"
    ).decode()


def analysis_figure(
    results: dict[str, Any], *, name: str, kind: str, computed_at: str
) -> Figure | None:
    """Return one figure of a run's results: a plotted endpoint's by-arm or pooled curves,
    or the forest plot (by arm only); None for a figure the results do not have."""
    if name == FOREST:
        if kind != "by_arm" or not results.get("os_subgroups"):
            return None
        return forest_figure(
            results["os_subgroups"], cutoff=results["cutoff"], computed_at=computed_at
        )
    if name not in PLOTTED or kind not in ("by_arm", "pooled"):
        return None
    endpoint = results["endpoints"][name]
    by_arm = kind == "by_arm"
    return km_figure(
        endpoint["by_arm"] if by_arm else {"pooled": endpoint["pooled"]},
        title=_(TITLES[(name, kind)]),
        cutoff=results["cutoff"],
        computed_at=computed_at,
        # The comparison only on the by-arm figure, which only unblinded roles are served.
        comparison=endpoint.get("comparison") if by_arm else None,
        ylabel=_(Y_LABELS[name]),
    )


def analysis_figures(results: dict[str, Any], computed_at: str) -> dict[str, dict[str, str]]:
    """Return every figure of a run's results as SVG, by name and kind, as the run keeps
    them: each plotted endpoint by arm and pooled; the forest plot by arm, if computed. In
    English, whatever the worker's language: a data cut's package holds them too."""
    with translation.override("en"):
        return _svg_figures(results, computed_at)


def _svg_figures(results: dict[str, Any], computed_at: str) -> dict[str, dict[str, str]]:
    kinds = {name: ("by_arm", "pooled") for name in PLOTTED} | {FOREST: ("by_arm",)}
    figures: dict[str, dict[str, str]] = {}
    for name, names_kinds in kinds.items():
        for kind in names_kinds:
            figure = analysis_figure(results, name=name, kind=kind, computed_at=computed_at)
            if figure is not None:
                figures.setdefault(name, {})[kind] = figure_file(figure, "svg").decode()
    return figures


def analysis_figure_file(
    results: dict[str, Any], *, name: str, kind: str, computed_at: str, file_format: str
) -> bytes | None:
    """Return one figure of a run's results as a file (svg, png or pdf), or None, in the
    active language."""
    figure = analysis_figure(results, name=name, kind=kind, computed_at=computed_at)
    return None if figure is None else figure_file(figure, file_format)
