"""Reads for the interim analysis page and API: the plan, its looks and their boundaries.

Comparative: the observed z of a look is the arms compared. Every reader here is checked by
the caller against accounts.permissions.user_can_view_interim_analyses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from endpoints.models import AnalysisRun
from endpoints.services import analysis_strata_default
from endpoints.statistics.group_sequential import Look
from interim.models import InterimLook, InterimPlan
from interim.services import current_plan, plan_boundaries


@dataclass(frozen=True)
class LookRow:
    """A look taken, with its boundary recomputed from the actual fractions of all looks."""

    look: InterimLook
    boundary: Look

    @property
    def critical_value(self) -> float | None:
        value = self.boundary.critical_value
        return value if math.isfinite(value) else None

    @property
    def crossed(self) -> bool:
        return self.look.verdict != InterimLook.Verdict.CONTINUE


@dataclass(frozen=True)
class InterimOverview:
    plan: InterimPlan | None
    versions: list[InterimPlan]
    planned: list[Look]  # the boundaries as planned (planned fractions)
    looks: list[LookRow]

    @property
    def finished(self) -> bool:
        """The final analysis was taken: no look follows it. (A crossed boundary is the
        committee's to weigh; a later look stays possible.)"""
        return any(row.look.final for row in self.looks)


def interim_overview() -> InterimOverview:
    """Return the plan in force, its earlier versions, the planned boundaries and the looks."""
    plan = current_plan()
    versions = list(InterimPlan.objects.select_related("declared_by").order_by("-version"))
    if plan is None:
        return InterimOverview(plan=None, versions=[], planned=[], looks=[])
    looks = list(
        InterimLook.objects.filter(plan=plan).select_related("taken_by").order_by("number")
    )
    planned = plan_boundaries(plan, plan.planned_fractions, last_is_final=True)
    recomputed = (
        plan_boundaries(
            plan, [look.information_fraction for look in looks], last_is_final=looks[-1].final
        )
        if looks
        else []
    )
    return InterimOverview(
        plan=plan,
        versions=versions,
        planned=planned,
        looks=[LookRow(look, boundary) for look, boundary in zip(looks, recomputed, strict=True)],
    )


def runs_for_a_look() -> list[AnalysisRun]:
    """Finished analysis runs with the protocol's strata, newest cut-off first: a look is
    taken from one of them."""
    return list(
        AnalysisRun.objects.filter(
            status=AnalysisRun.Status.DONE, strata_factors=analysis_strata_default()
        )
        .only("pk", "cutoff", "finished_at", "fingerprint", "strata_factors", "status")
        .order_by("-cutoff", "-finished_at")[:50]
    )
