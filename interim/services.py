"""Declaring the interim analysis plan and taking its looks.

Only the trial statistician declares the plan and takes the looks (accounts.permissions.
user_can_plan_interim_analyses); both are audited and never change afterwards. The observed
z of a look comes from a finished analysis run at its cut-off: the worker's own stratified
log-rank (endpoints.analysis), so the look shows what the analyses page shows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import user_can_plan_interim_analyses
from audit.records import reason_for_change, record_create
from endpoints.analysis import TREATMENT
from endpoints.models import AnalysisRun
from endpoints.services import analysis_strata_default
from endpoints.statistics.group_sequential import BoundaryError, Look, spending_boundaries
from interim.models import InterimLook, InterimPlan, Sidedness, SpendingFunction
from refusals import Refused

MAX_ALPHA = 0.2  # a type I error above this is a typing error, not a design
MAX_PLANNED_LOOKS = 10


class InterimPlanFixed(Refused):
    """The plan cannot change once a look has been taken (400)."""

    def __init__(self, looks: int) -> None:
        super().__init__(
            {
                "planned_deaths": [
                    _(
                        "%(looks)s interim look(s) have been taken under this plan: it can no "
                        "longer change (the boundaries already shown depend on it)."
                    )
                    % {"looks": looks}
                ]
            }
        )


def _require_statistician(user: User) -> None:
    if not user_can_plan_interim_analyses(user):
        raise PermissionDenied(
            _("Only the trial statistician declares the interim analysis plan and takes its looks.")
        )


def current_plan() -> InterimPlan | None:
    """Return the plan in force (its newest version), or None before one is declared."""
    return InterimPlan.objects.order_by("-version").first()


def _checked_plan(
    *,
    planned_deaths: int | None,
    planned_fractions: Sequence[float] | None,
    spending: str,
    alpha: float | None,
    sided: int | None,
) -> tuple[int, list[float], float, int]:
    """Return the plan's values once each is checked, or refuse them all at once."""
    errors: dict[str, list[str]] = {}
    if planned_deaths is None or planned_deaths < 1:
        errors["planned_deaths"] = [_("Give the number of deaths planned for the final analysis.")]
    fractions = [float(t) for t in planned_fractions or []]
    if not fractions:
        errors["planned_fractions"] = [_("Give the information fraction of each planned look.")]
    elif len(fractions) > MAX_PLANNED_LOOKS:
        errors["planned_fractions"] = [
            _("Plan at most %(max)s looks.") % {"max": MAX_PLANNED_LOOKS}
        ]
    elif any(not 0 < t <= 1 for t in fractions) or any(
        b <= a for a, b in itertools.pairwise(fractions)
    ):
        errors["planned_fractions"] = [
            _("The fractions must increase, each above 0 and at most 1 (e.g. 0.33, 0.67, 1).")
        ]
    elif fractions[-1] != 1:
        errors["planned_fractions"] = [_("The last planned look is the final analysis: t = 1.")]
    if spending not in SpendingFunction.values:
        errors["spending"] = [
            _("Choose one of %(choices)s.")
            % {"choices": ", ".join(str(label) for label in SpendingFunction.labels)}
        ]
    if alpha is None or not 0 < alpha <= MAX_ALPHA:
        errors["alpha"] = [
            _("Alpha lies above 0 and at most %(max)s (e.g. 0.025).") % {"max": MAX_ALPHA}
        ]
    if sided not in Sidedness.values:
        errors["sided"] = [_("The test is one-sided (1) or two-sided (2).")]
    if errors or planned_deaths is None or alpha is None or sided is None:
        raise Refused(errors)
    return planned_deaths, fractions, float(alpha), int(sided)


@transaction.atomic
def interim_plan_declare(
    *,
    user: User,
    planned_deaths: int | None,
    planned_fractions: Sequence[float] | None,
    spending: str,
    alpha: float | None,
    sided: int | None,
    reason: str = "",
) -> InterimPlan:
    """Declare the plan, or revise it (a new version, with a reason) before the first look."""
    _require_statistician(user)
    # Two statisticians revising at once must not both make version n + 1; the lock on the
    # newest version serialises them (the unique version is the last line of defence).
    newest = InterimPlan.objects.select_for_update().order_by("-version").first()
    if newest is not None:
        taken = InterimLook.objects.filter(plan=newest).count()
        if taken:
            raise InterimPlanFixed(taken)
        reason = reason_for_change(reason)
    deaths, fractions, alpha_checked, sides = _checked_plan(
        planned_deaths=planned_deaths,
        planned_fractions=planned_fractions,
        spending=spending,
        alpha=alpha,
        sided=sided,
    )
    version = newest.version + 1 if newest else 1
    return record_create(
        InterimPlan(
            version=version,
            planned_deaths=deaths,
            planned_fractions=fractions,
            spending=spending,
            alpha=alpha_checked,
            sided=sides,
            reason=reason,
            declared_by=user,
        ),
        user=user,
        reason=reason or "Interim analysis plan declared",
    )


def logrank_z(results: dict[str, Any]) -> tuple[float, list[str]]:
    """Return the OS log-rank z of an analysis, positive when dexamethasone is better, and
    the strata it was stratified by.

    The analysis reports chi-square = (O - E)^2 / V for dexamethasone's deaths; z is its root
    with the sign of E - O (fewer deaths than expected: benefit). The stratified test is the
    protocol's primary analysis; unstratified only when the run had no strata.
    """
    comparison = results["endpoints"]["OS"]["comparison"]
    if comparison is None:
        raise Refused(
            {"analysis_run": [_("The analysis has no OS comparison: no death, or one arm only.")]}
        )
    which = "stratified" if comparison.get("stratified") else "unstratified"
    logrank = comparison[which]["logrank"]
    o_minus_e = logrank["observed"][TREATMENT] - logrank["expected"][TREATMENT]
    size = math.sqrt(logrank["chisq"])
    return (-math.copysign(size, o_minus_e) if size else 0.0), list(comparison["strata_factors"])


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _verdict(z: float, look: Look, sided: int) -> str:
    if z >= look.critical_value:
        return InterimLook.Verdict.EFFICACY
    if sided == 2 and z <= -look.critical_value:
        return InterimLook.Verdict.HARM
    return InterimLook.Verdict.CONTINUE


def plan_boundaries(
    plan: InterimPlan, fractions: Sequence[float], *, last_is_final: bool
) -> list[Look]:
    """The boundaries of the plan's spending function at these (actual) fractions."""
    return spending_boundaries(
        fractions,
        spending=plan.spending,
        alpha=plan.alpha,
        sided=plan.sided,
        last_is_final=last_is_final,
    )


@transaction.atomic
def interim_look_take(
    *, user: User, analysis_run: AnalysisRun, final: bool = False, reason: str = ""
) -> InterimLook:
    """Take the next look from a finished analysis run at its cut-off.

    The information fraction is the run's OS deaths over the planned deaths; the boundary of
    this look is computed with the fractions of every look taken so far. A look at or beyond
    the planned deaths is the final analysis; the statistician may also declare a look final
    short of them (it spends all the alpha left). No look follows the final one.
    """
    _require_statistician(user)
    plan = InterimPlan.objects.select_for_update().order_by("-version").first()
    if plan is None:
        raise Refused({"analysis_run": [_("Declare the interim analysis plan first.")]})
    # Locked with the plan: two looks taken at once would both be number n + 1.
    previous = list(InterimLook.objects.filter(plan=plan).order_by("number"))
    run = AnalysisRun.objects.filter(pk=analysis_run.pk, status=AnalysisRun.Status.DONE).first()
    if run is None or run.results is None:
        raise Refused({"analysis_run": [_("Choose an analysis run that has finished.")]})
    protocol_strata = analysis_strata_default()
    if list(run.strata_factors) != protocol_strata:
        raise Refused(
            {
                "analysis_run": [
                    _(
                        "The interim analysis is the protocol's log-rank stratified by "
                        "%(protocol_strata)s; this run is stratified by %(run_strata)s."
                    )
                    % {
                        "protocol_strata": ", ".join(protocol_strata) or _("nothing"),
                        "run_strata": ", ".join(run.strata_factors) or _("nothing"),
                    }
                ]
            }
        )
    z, strata = logrank_z(run.results)
    deaths = int(run.results["endpoints"]["OS"]["pooled"]["events"])
    fraction = deaths / plan.planned_deaths
    errors: list[str] = []
    if previous and previous[-1].final:
        errors.append(_("The final analysis has been taken: no look follows it."))
    elif previous and run.cutoff <= previous[-1].cutoff:
        errors.append(
            _(
                "Look %(number)s was taken at the cut-off %(cutoff)s: the next one needs a "
                "later cut-off."
            )
            % {"number": previous[-1].number, "cutoff": f"{previous[-1].cutoff:%d/%m/%Y}"}
        )
    elif previous and deaths <= previous[-1].deaths:
        errors.append(
            _(
                "This analysis has %(deaths)s deaths, no more than the %(previous)s of look "
                "%(number)s: a look needs new information."
            )
            % {"deaths": deaths, "previous": previous[-1].deaths, "number": previous[-1].number}
        )
    if errors:
        raise Refused({"analysis_run": errors})
    final = final or fraction >= 1
    try:
        looks = plan_boundaries(
            plan,
            [look.information_fraction for look in previous] + [fraction],
            last_is_final=final,
        )
    except BoundaryError as error:
        raise Refused({"analysis_run": [str(error)]}) from error
    boundary = looks[-1]
    reason = reason_for_change(reason) if reason.strip() else ""
    return record_create(
        InterimLook(
            plan=plan,
            number=len(previous) + 1,
            analysis_run=run,
            cutoff=run.cutoff,
            deaths=deaths,
            information_fraction=fraction,
            logrank_z=z,
            strata_factors=strata,
            final=final,
            critical_value=_finite(boundary.critical_value),
            nominal_p=boundary.nominal_p,
            cumulative_alpha=boundary.cumulative_alpha,
            verdict=_verdict(z, boundary, plan.sided),
            reason=reason,
            taken_by=user,
        ),
        user=user,
        reason=reason or f"Interim look {len(previous) + 1} taken",
    )
