"""The site dashboard: the screening log a coordinator opens every morning."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import site_chosen, sites_for_data_entry, sites_visible_to
from patients.models import ScreeningOutcome
from patients.selectors import screening_log
from review.selectors import query_counts
from safety.selectors import sae_reports_awaiting_submission
from visits.selectors import open_deviations


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Screening log of the visible sites, or of the one chosen with ?site=NN."""
    sites = sites_visible_to(request.user)
    site = site_chosen(request.user, request.GET.get("site"))
    log = screening_log(request.user, site)
    totals = log.aggregate(
        screened=Count("pk"),
        eligible=Count("pk", filter=Q(screening__outcome=ScreeningOutcome.ELIGIBLE)),
        failures=Count("pk", filter=Q(screening__outcome=ScreeningOutcome.SCREEN_FAILURE)),
    )
    return render(
        request,
        "accounts/dashboard.html",
        {
            "sites": sites,
            "site": site,
            "log": log,
            "totals": totals,
            "can_screen": sites_for_data_entry(request.user).exists(),
            # SAEs whose initial or follow-up report the site has not submitted, on the clock.
            "saes_awaiting": sae_reports_awaiting_submission(request.user, site),
            "deviations": open_deviations(request.user, site),
            "queries": query_counts(request.user, site),
        },
    )
