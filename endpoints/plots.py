"""Kaplan-Meier figures as SVG, drawn by the worker with matplotlib (no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: the worker has no screen
import matplotlib.pyplot as plt

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
