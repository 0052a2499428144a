"""GET /analyses/safety/ (the safety tables) and /analyses/safety/<table>.csv (each table).

Who sees what follows the analyses page: every account with a role, by arm for the accounts
that may read arms joined to outcomes (randomization.blinding), pooled for the others. Unlike
the survival analyses (computed for the whole trial), these tables list patients (the SAE
listing) and are read live from the records: a site-bound account (coordinator,
investigator, monitor) gets the tables of its own sites' patients only, pooled.
`?cutoff=YYYY-MM-DD` keeps the events with onset on or before it (default today).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_is_site_bound
from casebook.date_inputs import TrialDateField
from endpoints.safety_cache import safety_tables_cached
from endpoints.safety_csv import SAFETY_CSV_TABLES, safety_csv
from endpoints.safety_tables import safety_tables
from randomization.services import arms_viewing_record

LISTING_PAGE_SIZE = 50


class CutoffForm(forms.Form):
    cutoff = TrialDateField(
        label=gettext_lazy("Cutoff"),
        required=False,
        help_text=gettext_lazy("Events with onset on or before this day; today if empty."),
    )

    def clean_cutoff(self) -> dt.date:
        cutoff = self.cleaned_data["cutoff"] or timezone.localdate()
        if cutoff > timezone.localdate():
            raise forms.ValidationError(_("The cut-off cannot be in the future."))
        return cutoff


@login_required
def safety_tables_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CutoffForm(request.GET)
    context: dict[str, object] = {
        "form": form,
        "site_bound": user_is_site_bound(request.user),
        "csv_links": True,
    }
    if not form.is_valid():
        return render(request, "endpoints/safety.html", context, status=400)
    tables = safety_tables_cached(user=request.user, cutoff=form.cleaned_data["cutoff"])
    # The SAE listing a page at a time (the CSV has every row); the tables count them all.
    listing = Paginator(tables.listing, LISTING_PAGE_SIZE).get_page(request.GET.get("page"))
    context["safety_tables"] = tables
    context["listing_page"] = listing
    context["listing_page_cells"] = tables.cells_of(listing.object_list)
    return render(request, "endpoints/safety.html", context)


@login_required
def safety_table_csv(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    """One table as CSV, blinded as the page is; a reading with the arms is recorded."""
    if table not in SAFETY_CSV_TABLES:
        raise Http404(_("No such safety table."))
    form = CutoffForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(
            f"{field}: {' '.join(str(m) for m in e)}" for field, e in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    # A CSV is an export: English (its labels, as the SAS and R programs read them), whoever
    # downloads it.
    with translation.override("en"):
        tables = safety_tables(user=request.user, cutoff=form.cleaned_data["cutoff"])
        content = safety_csv(tables, table)
    if tables.by_arm:
        arms_viewing_record(user=request.user, what=f"safety table {table} with the arms")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="safety_{table}_{tables.cutoff:%Y%m%d}.csv"'
    )
    response["X-Data-Cutoff"] = tables.cutoff.isoformat()
    return response
