"""The stopping boundary and the observed z as an SVG chart (matplotlib, no display needed)."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")  # headless, as endpoints/plots.py
import matplotlib.pyplot as plt
from django.utils.translation import gettext as _

from interim.selectors import InterimOverview

BOUNDARY, PLANNED, OBSERVED = "#a4262c", "#888888", "#1f5fa8"
Z_SHOWN = 6.0  # boundaries above this (tiny early alpha) are drawn at the top edge


def _shown(z: float | None) -> float:
    return Z_SHOWN if z is None or not math.isfinite(z) else min(z, Z_SHOWN)


def boundary_svg(overview: InterimOverview) -> str:
    """Return an SVG of the efficacy boundary (and its mirror, two-sided) by information
    fraction: as planned (dashed), as recomputed for the looks taken (solid), and each look's
    observed log-rank z."""
    plan = overview.plan
    figure, axis = plt.subplots(figsize=(8, 4.6))
    if plan is not None:
        sides = (1, -1) if plan.sided == 2 else (1,)
        for sign in sides:
            axis.plot(
                [b.information_fraction for b in overview.planned],
                [sign * _shown(b.critical_value) for b in overview.planned],
                "--o",
                color=PLANNED,
                markersize=4,
                linewidth=1,
                label=_("Boundary as planned") if sign == 1 else None,
            )
            if overview.looks:
                axis.plot(
                    [row.look.information_fraction for row in overview.looks],
                    [sign * _shown(row.critical_value) for row in overview.looks],
                    "-s",
                    color=BOUNDARY,
                    markersize=5,
                    linewidth=1.6,
                    label=_("Boundary at the looks taken") if sign == 1 else None,
                )
        if overview.looks:
            xs = [row.look.information_fraction for row in overview.looks]
            zs = [row.look.logrank_z for row in overview.looks]
            axis.plot(xs, zs, "D", color=OBSERVED, markersize=7, label=_("Observed log-rank z"))
            for row in overview.looks:
                axis.annotate(
                    _("look %(number)s: z = %(z)s")
                    % {"number": row.look.number, "z": f"{row.look.logrank_z:.2f}"},
                    (row.look.information_fraction, row.look.logrank_z),
                    textcoords="offset points",
                    xytext=(6, -12),
                    fontsize=7,
                    color=OBSERVED,
                )
        title = (
            _("%(spending)s, alpha %(alpha)s one-sided · %(deaths)s deaths planned")
            if plan.sided == 1
            else _("%(spending)s, alpha %(alpha)s two-sided · %(deaths)s deaths planned")
        ) % {
            "spending": plan.get_spending_display(),
            "alpha": f"{plan.alpha:g}",
            "deaths": plan.planned_deaths,
        }
    else:
        title = _("No interim analysis plan declared")
    right = max([1.05] + [row.look.information_fraction + 0.05 for row in overview.looks])
    axis.set_xlim(0, right)
    observed = [row.look.logrank_z for row in overview.looks]
    bottom = -Z_SHOWN - 0.3 if plan and plan.sided == 2 else -3.0
    axis.set_ylim(
        min([bottom] + [z - 0.5 for z in observed]),
        max([Z_SHOWN + 0.3] + [z + 0.5 for z in observed]),
    )
    axis.axhline(0, color="#555555", linewidth=0.8)
    axis.axvline(1, color="#bbbbbb", linewidth=0.8, linestyle=":")
    axis.set_xlabel(_("Information fraction (deaths / planned deaths)"))
    axis.set_ylabel(_("z (positive: benefit of dexamethasone)"))
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    if plan is not None:
        axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()
