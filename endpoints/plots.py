"""Kaplan-Meier figures as SVG, drawn by the worker with matplotlib (no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: the worker has no screen
import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

ARM_STYLE = {
    "dex": ("#1f5fa8", "Salvage + dexamethasone"),
    "control": ("#a4262c", "Salvage alone"),
    "pooled": ("#14314f", "All randomized patients"),
}


def _steps(times: list[float], values: list[float | None], start: float) -> tuple[list, list]:
    xs, ys, current = [0.0], [start], start
    for t, v in zip(times, values, strict=True):
        xs += [t, t]
        ys += [current, current if v is None else v]
        current = current if v is None else v
    return xs, ys


def km_svg(
    curves: dict[str, dict[str, Any] | None],
    *,
    title: str,
    cutoff: str,
    computed_at: str,
    risk_times: list[int],
) -> str:
    """Return an SVG of the curves (by arm or pooled) with CI bands and numbers at risk."""
    figure, (axis, table) = plt.subplots(
        2, 1, figsize=(8, 5.6), gridspec_kw={"height_ratios": [4, 1.1]}
    )
    horizon = max([max(c["curve"]["time"], default=0) for c in curves.values() if c] + [1])
    for key, summary in curves.items():
        if not summary:
            continue
        colour, label = ARM_STYLE[key]
        curve = summary["curve"]
        xs, ys = _steps(curve["time"], curve["surv"], 1.0)
        axis.plot(xs, ys, color=colour, label=f"{label} (n={summary['n']})", linewidth=1.6)
        _, lower = _steps(curve["time"], curve["lower"], 1.0)
        _, upper = _steps(curve["time"], curve["upper"], 1.0)
        axis.fill_between(xs, lower, upper, color=colour, alpha=0.15, linewidth=0)
        censored = [
            (t, s)
            for t, s, c in zip(curve["time"], curve["surv"], curve["n_censor"], strict=True)
            if c
        ]
        if censored:
            axis.plot(*zip(*censored, strict=True), "|", color=colour, markersize=6)
    axis.set_ylim(0, 1.02)
    axis.set_xlim(0, horizon)
    axis.set_ylabel("Survival probability")
    axis.set_title(
        f"{title}\ncut-off {cutoff} · computed {computed_at} · 95% CI (log-log)", fontsize=10
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="upper right", fontsize=8)
    table.axis("off")
    table.set_xlim(0, horizon)
    shown = [t for t in risk_times if t <= horizon]
    rows = [(key, s) for key, s in curves.items() if s]
    for i, (key, summary) in enumerate(rows):
        colour, label = ARM_STYLE[key]
        y = 0.8 - i * 0.35
        table.text(-0.01 * horizon, y, label, ha="right", va="center", fontsize=7, color=colour)
        for t in shown:
            table.text(
                t,
                y,
                str(summary["at_risk"][str(t)]),
                ha="center",
                va="center",
                fontsize=8,
                color=colour,
            )
    table.text(0, 1.1, "Number at risk (time ≥ t, days)", fontsize=7, va="bottom")
    # Room on the left for the at-risk table's row labels (tight_layout ignores them).
    figure.subplots_adjust(left=0.26, right=0.97, top=0.9, bottom=0.04, hspace=0.25)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()


def _hr_text(level: dict[str, Any]) -> str:
    if level["hr"] is None:
        return "not estimable"
    return f"{level['hr']:.2f} ({level['hr_lower']:.2f}–{level['hr_upper']:.2f})"


def _p_text(p: float | None) -> str:
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def forest_svg(subgroups: dict[str, Any], *, cutoff: str, computed_at: str) -> str:
    """Return an SVG forest plot: HR DEX vs CONTROL (95% CI, log scale) per subgroup level,
    deaths/patients per arm, and each factor's interaction p; non-estimable HRs are named."""
    rows: list[tuple[str, dict[str, Any] | None, str]] = [
        ("All patients", subgroups["overall"], "")
    ]
    for factor in subgroups["factors"]:
        rows.append((factor["label"], None, _p_text(factor["interaction"]["p"])))
        rows += [(f"   {level['label']}", level, "") for level in factor["levels"]]
    drawn = [r[1] for r in rows if r[1] and r[1]["hr"] is not None]
    low = min([d["hr_lower"] for d in drawn] + [0.5])
    high = max([d["hr_upper"] for d in drawn] + [2.0])
    low, high = max(low / 1.2, 1e-3), min(high * 1.2, 1e3)
    height = 1.2 + 0.28 * len(rows)
    figure, axis = plt.subplots(figsize=(10, height))
    axis.set_xscale("log")
    axis.set_xlim(low, high)
    axis.set_ylim(len(rows) - 0.4, -1.4)
    axis.axvline(1.0, color="#555555", linewidth=0.8)
    colour = ARM_STYLE["dex"][0]
    text: dict[str, Any] = {"fontsize": 8, "va": "center", "transform": axis.get_yaxis_transform()}
    for column, x in (("Subgroup", -1.25), ("DEX d/n", -0.68), ("CONTROL d/n", -0.36)):
        axis.text(x, -1, column, fontweight="bold", **text)
    axis.text(1.03, -1, "HR (95% CI)", fontweight="bold", **text)
    axis.text(1.5, -1, "interaction p", fontweight="bold", **text)
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
            axis.plot([level["hr_lower"], level["hr_upper"]], [y, y], color=colour, linewidth=1.2)
            axis.plot([level["hr"]], [y], "s", color=colour, markersize=5)
    axis.set_yticks([])
    axis.xaxis.set_major_locator(
        FixedLocator([t for t in (0.1, 0.25, 0.5, 1, 2, 4, 10) if low <= t <= high])
    )
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.set_xlabel("Hazard ratio, DEX vs CONTROL (log scale) · < 1 favours DEX", fontsize=8)
    axis.set_title(
        f"Overall survival by subgroup · cut-off {cutoff} · computed {computed_at}\n"
        "Cox (Efron ties) per level, 95% Wald CI; interaction: likelihood-ratio test",
        fontsize=9,
    )
    for side in ("left", "right", "top"):
        axis.spines[side].set_visible(False)
    figure.subplots_adjust(left=0.4, right=0.64, top=1 - 0.75 / height, bottom=0.55 / height)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()
