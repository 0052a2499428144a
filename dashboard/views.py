"""The site dashboard: the screening log a coordinator opens every morning, and the header's
patient search."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import site_chosen, sites_for_data_entry, sites_visible_to
from dashboard.forms import ScreeningLogFilterForm
from dashboard.log_rows import log_cells
from dashboard.selectors import (
    LOG_SORT_DEFAULT,
    SEARCH_PAGE_SIZE,
    LogFilters,
    landing_counts,
    log_sort_valid,
    patient_search,
    screening_log_page,
)
from randomization.blinding import arms_visible_to
from safety.selectors import sae_reports_awaiting_submission
from visits.selectors import open_deviations

# Open protocol deviations listed on the landing page; the rest are counted (the API lists all).
DEVIATIONS_SHOWN = 20
# SAE reports awaiting submission listed on the landing page, the most urgent (earliest
# awareness) first; the rest are counted and the SAE list has them all.
SAES_SHOWN = 20


@dataclass(frozen=True)
class SortLink:
    """A sortable column's header: the sort its link asks for and how it is sorted now."""

    key: str
    label: str
    next_sort: str
    aria_sort: str  # "ascending", "descending" or "none" (the header's aria-sort)


def _sort_links(sort: str) -> dict[str, SortLink]:
    """A first click sorts ascending (the screening date newest first); a second reverses."""
    columns = {
        "study_id": _("Study ID"),
        "screened": _("Screened"),
        "status": _("Status"),
        "next_due": _("Next due"),
    }
    links = {}
    for key, label in columns.items():
        first = "-screened" if key == "screened" else key
        if sort.removeprefix("-") == key:
            aria = "descending" if sort.startswith("-") else "ascending"
            next_sort = key if sort.startswith("-") else f"-{key}"
        else:
            aria, next_sort = "none", first
        links[key] = SortLink(key, label, next_sort, aria)
    return links


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Screening log of the visible sites, or of the one chosen with ?site=NN: 50 patients a
    page, sorted and filtered by the database, with each patient's status and next due."""
    sites = sites_visible_to(request.user)
    site = site_chosen(request.user, request.GET.get("site"))
    arms_shown = arms_visible_to(request.user)
    if request.GET.get("arm") and not arms_shown:
        # Filtering by arm would give a blinded role each patient's arm, one list at a time.
        raise PermissionDenied(_("Your role is blinded to the arms: no filter by arm."))
    filter_form = ScreeningLogFilterForm(request.GET or None, arms_shown=arms_shown)
    filters = LogFilters(
        site=site, status=filter_form.chosen("status"), arm=filter_form.chosen("arm")
    )
    sort = log_sort_valid(request.GET.get("sort", LOG_SORT_DEFAULT))
    counts = landing_counts(request.user, site)
    log = screening_log_page(request.user, filters, sort, request.GET.get("page"), counts.totals)
    deviations = open_deviations(request.user, site)
    saes_awaiting = sae_reports_awaiting_submission(request.user, site, limit=SAES_SHOWN)
    return render(
        request,
        "accounts/dashboard.html",
        {
            "sites": sites,
            "site": site,
            "log": [row.patient for row in log.rows],  # the page's patients
            "log_page": log,
            "log_rows": log_cells(log.rows),  # each row's cells as shown
            "filter_form": filter_form,
            "filtered": bool(filters.status or filters.arm),
            "sort": sort,
            "sort_links": _sort_links(sort),
            "totals": counts.totals,
            "can_screen": sites_for_data_entry(request.user).exists(),
            # SAEs whose initial or follow-up report the site has not submitted, on the clock:
            # the most urgent few, and how many there are.
            "saes_awaiting": saes_awaiting,
            "saes_awaiting_count": counts.saes_awaiting,
            # The most serious and recent few, and how many there are: not the whole trial's.
            "deviations": deviations[:DEVIATIONS_SHOWN],
            "deviation_count": counts.deviations,
            "queries": counts.queries,
        },
    )


@login_required
def patient_find(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The header's search: a visible patient's study ID opens their page; anything else
    lists the visible patients whose study ID contains it (none: said so, not a 404)."""
    text = request.GET.get("q", "").strip()[:40]
    found = patient_search(request.user, text)
    if found.exact is not None:
        return redirect("patient-detail", study_id=found.exact.study_id)
    page = Paginator(found.matches, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/patient_search.html", {"q": text, "page": page})
