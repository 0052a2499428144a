"""The investigators' dashboard: survival figures, accrual and follow-up completeness.

Comparative results (by arm) are shown only to the accounts that may read them
(randomization.blinding: the unblinded roles; the sponsor once the trial is unblinded);
everyone else sees pooled figures. The page says whether the trial is unblinded. The heavy
work happens on a Celery worker; the page only reads finished runs.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_can_recompute_analyses, user_can_unblind_trial
from endpoints import figure_files, selectors, services
from endpoints.analysis import blinded_view
from endpoints.figure_style import CONTENT_TYPES
from endpoints.models import AnalysisRun
from randomization.blinding import arms_visible_to, trial_unblinding
from refusals.pages import attempt

# What the page shows of a run's progress while it polls the run's status.
RUN_STEPS = [
    (status, AnalysisRun.Status(status).label)
    for status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING, AnalysisRun.Status.DONE)
]


@login_required
def analysis_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    run = selectors.latest_finished_run()
    unblinded = arms_visible_to(request.user)
    results = None
    if run is not None and run.results is not None:
        results = run.results if unblinded else blinded_view(run.results)
    return render(
        request,
        "endpoints/dashboard.html",
        {
            "run": run,
            "results": results,
            "unblinded": unblinded,
            "figure_kind": "by_arm" if unblinded else "pooled",
            "pending": selectors.latest_requested_run(),
            "run_steps": RUN_STEPS,
            "changes": selectors.changes_since_run(run) if run is not None else None,
            "trial_unblinding": trial_unblinding(),
            "can_unblind_trial": user_can_unblind_trial(request.user),
            "can_recompute": user_can_recompute_analyses(request.user),
            "accrual": selectors.accrual(),
            "completeness": selectors.follow_up_completeness(request.user),
        },
    )


@login_required
@require_POST
def analysis_recompute(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record and queue a new analysis at today's cut-off, and answer at once: the worker
    computes it (or reuses an identical finished run) while the page shows its progress.
    With the queue unavailable, record it and say so."""
    if not user_can_recompute_analyses(request.user):
        raise PermissionDenied(_("Your role may view the analyses but not start them."))
    run = attempt(request, lambda: services.analysis_run_request(user=request.user))
    if run is not None:
        run.refresh_from_db()  # an eager worker (no broker configured) has finished it
    if run is not None and run.served_from_id:
        messages.info(request, _("No data changed since the last analysis: its results are shown."))
    elif run is not None and run.waiting_for_the_queue:
        # Recorded, not queued: the broker is down; the sweep sends the run when it is back.
        messages.warning(request, AnalysisRun.QUEUE_UNAVAILABLE)
    elif run is not None:
        messages.success(
            request, _("Analysis queued: a worker computes it; this page shows its progress.")
        )
    return redirect("analysis-dashboard")


@login_required
def analysis_run_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Progress of a run, polled by the dashboard's Recompute button."""
    run = get_object_or_404(AnalysisRun, pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),  # what the page shows while it polls
            "attempts": run.attempts,
            "error": run.error,
            "cutoff": run.cutoff.isoformat(),
            "duration_seconds": run.duration_seconds,
        }
    )


@login_required
def analysis_figure(
    request: AuthenticatedHttpRequest,
    pk: int,
    parameter: str,
    kind: str,
    file_format: str = "svg",
) -> HttpResponse:
    """A run's figure as SVG (as the worker drew it, or drawn again in the reader's
    language), PNG or PDF (drawn again from the run's results by the same code, in the
    reader's language); the by-arm figures only for accounts that may read them."""
    if kind == "by_arm" and not arms_visible_to(request.user):
        raise PermissionDenied(_("Comparative results are confidential while the trial runs."))
    run = get_object_or_404(AnalysisRun, pk=pk, status=AnalysisRun.Status.DONE)
    content = figure_files.run_figure(run, name=parameter, kind=kind, file_format=file_format)
    if content is None:
        raise Http404(_("No such figure."))
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = (
        f'inline; filename="{parameter}_{kind}_run{run.pk}_{run.cutoff:%Y-%m-%d}.{file_format}"'
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Language"] = figure_files.reader_language()
    response["Vary"] = "Cookie, Accept-Language"
    return response
