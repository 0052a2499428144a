"""The interim analysis page: the plan, the looks against their boundaries, and the chart.

For the unblinded roles only (accounts.permissions.user_can_view_interim_analyses): an observed
z compares the arms. The statistician declares the plan, takes the looks and may request an
analysis at a cut-off from here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import user_can_plan_interim_analyses, user_can_view_interim_analyses
from endpoints.services import analysis_run_request
from interim import selectors, services
from interim.figures import boundary_svg
from interim.forms import AnalysisRequestForm, InterimLookForm, InterimPlanForm
from refusals.pages import attempt, show_on_form

REFUSED = gettext_lazy(
    "Interim analyses compare the arms: they are confidential to the unblinded roles."
)


def _require_reader(user: User) -> None:
    if not user_can_view_interim_analyses(user):
        raise PermissionDenied(REFUSED)


def _require_statistician(user: User) -> None:
    if not user_can_plan_interim_analyses(user):
        raise PermissionDenied(_("Only the trial statistician plans interim analyses."))


def _plan_initial(plan) -> dict:
    if plan is None:
        return {}
    return {
        "planned_deaths": plan.planned_deaths,
        "planned_fractions": ", ".join(f"{t:g}" for t in plan.planned_fractions),
        "spending": plan.spending,
        "alpha": plan.alpha,
        "sided": plan.sided,
    }


def _page(
    request: AuthenticatedHttpRequest,
    *,
    plan_form: InterimPlanForm | None = None,
    look_form: InterimLookForm | None = None,
    status: int = 200,
) -> HttpResponse:
    overview = selectors.interim_overview()
    runs = selectors.runs_for_a_look()
    can_plan = user_can_plan_interim_analyses(request.user)
    return render(
        request,
        "interim/interim.html",
        {
            "overview": overview,
            "can_plan": can_plan,
            "plan_form": plan_form or InterimPlanForm(initial=_plan_initial(overview.plan)),
            "look_form": look_form or InterimLookForm(runs=runs),
            "request_form": AnalysisRequestForm(),
            "plan_open": overview.plan is None or not overview.looks,
        },
        status=status,
    )


@login_required
def interim_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_reader(request.user)
    return _page(request)


@login_required
def interim_chart(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The boundary chart with the observed z: as confidential as the page."""
    _require_reader(request.user)
    response = HttpResponse(
        boundary_svg(selectors.interim_overview()), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def interim_plan_declare(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_statistician(request.user)
    form = InterimPlanForm(request.POST)
    if form.is_valid():
        try:
            plan = services.interim_plan_declare(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("Interim analysis plan version %(version)s declared.")
                % {"version": plan.version},
            )
            return redirect("interim")
    return _page(request, plan_form=form, status=400)


@login_required
@require_POST
def interim_look_take(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_statistician(request.user)
    form = InterimLookForm(request.POST, runs=selectors.runs_for_a_look())
    if form.is_valid():
        try:
            look = services.interim_look_take(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("Look %(number)s recorded: %(verdict)s.")
                % {"number": look.number, "verdict": look.get_verdict_display().lower()},
            )
            return redirect("interim")
    return _page(request, look_form=form, status=400)


@login_required
@require_POST
def interim_analysis_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the protocol's analysis at a cut-off, to take a look from when it has finished."""
    _require_statistician(request.user)
    form = AnalysisRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the data cut-off date."))
        return redirect("interim")
    run = attempt(
        request,
        lambda: analysis_run_request(cutoff=form.cleaned_data["cutoff"], user=request.user),
    )
    if run is not None:
        message = (
            _("Analysis at the cut-off %(cutoff)s served from an identical run.")
            if run.served_from_id
            else _("Analysis at the cut-off %(cutoff)s queued for a worker.")
        )
        messages.success(request, message % {"cutoff": f"{run.cutoff:%d/%m/%Y}"})
    return redirect("interim")
