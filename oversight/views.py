"""The steering committee's CONSORT page, its downloads and the lists behind its counts.

Blinded readers see one pooled column; the roles that may read results by arm
(randomization.blinding.arms_visible_to) see one column per arm. The counts are the
trial's; a list shows a site-bound reader only their own sites' patients.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import user_can_see_arms, user_can_view_consort
from endpoints.safety_views import LISTING_PAGE_SIZE
from oversight import selectors, services
from oversight.consort import ARMS, BOXES, BOXES_BY_KEY, consort_flow
from oversight.data_state_cache import kept_for_data_state
from oversight.dmc_report import dmc_report, dmc_report_allowed
from oversight.forms import CutoffForm, DmcReportForm
from oversight.models import ConsortFigure, DmcReportGeneration, DmcReportPart
from randomization.blinding import arms_visible_to

CONSORT_LIST_PAGE_SIZE = 50
BLINDED_ARM_REFUSAL = gettext_lazy("Counts by arm are confidential while the trial runs.")


def _require_consort_reader(user: User) -> None:
    if not user_can_view_consort(user):
        raise PermissionDenied(_("Your role does not read the trial's CONSORT flow."))


def consort_rows(flow_counts: dict[str, dict[str, int]], by_arm: bool) -> list[dict]:
    """The diagram as a table: one row per count, with each arm's beside it when shown."""
    rows = []
    for box in BOXES:
        counts = flow_counts[box.key]
        depth, parent = 0, box.parent
        while parent:
            depth, parent = depth + 1, BOXES_BY_KEY[parent].parent
        rows.append(
            {
                "box": box,
                "depth": depth,
                "all": counts["all"],
                "arms": [(arm, counts[arm]) for arm in ARMS] if by_arm and box.per_arm else [],
                "arm_cells": by_arm and not box.per_arm,
            }
        )
    return rows


@login_required
def consort_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_consort_reader(request.user)
    form = CutoffForm(request.GET)
    if not form.is_valid():
        return render(request, "oversight/consort.html", {"form": form}, status=400)
    cutoff = form.cleaned_data["cutoff"]
    by_arm = arms_visible_to(request.user)
    flow = kept_for_data_state("consort-flow", cutoff, lambda: consort_flow(cutoff))
    figure = services.consort_figure_request(cutoff=cutoff, by_arm=by_arm, flow=flow)
    return render(
        request,
        "oversight/consort.html",
        {
            "form": form,
            "cutoff": cutoff,
            "by_arm": by_arm,
            "arm_columns": [(arm, protocol.Arm(arm).label) for arm in ARMS],
            "rows": consort_rows(flow.counts(by_arm=by_arm), by_arm),
            "figure": figure,
            "figure_svg": figure.svg if figure.status == ConsortFigure.Status.DONE else "",
        },
    )


@login_required
def consort_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """The figure as SVG or PNG; 202 while the worker is still drawing it."""
    _require_consort_reader(request.user)
    form = CutoffForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    cutoff = form.cleaned_data["cutoff"]
    by_arm = arms_visible_to(request.user)
    figure = services.consort_figure_request(cutoff=cutoff, by_arm=by_arm)
    if figure.status != ConsortFigure.Status.DONE:
        response = HttpResponse(
            _("The figure is being drawn; ask again in a moment."),
            status=202,
            content_type="text/plain",
        )
        response["Retry-After"] = "5"
        return response
    name = f"consort-{cutoff.isoformat()}-{'by-arm' if by_arm else 'pooled'}.{kind}"
    if kind == "svg":
        response = HttpResponse(figure.svg, content_type="image/svg+xml")
    else:
        response = HttpResponse(bytes(figure.png or b""), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def consort_list(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The patients behind one count: study IDs, each to the patient's page."""
    _require_consort_reader(request.user)
    box = BOXES_BY_KEY.get(key)
    if box is None:
        raise Http404(_("No such box in the CONSORT flow."))
    form = CutoffForm(request.GET)
    if not form.is_valid():
        return render(request, "oversight/consort_list.html", {"form": form}, status=400)
    cutoff = form.cleaned_data["cutoff"]
    by_arm = arms_visible_to(request.user)
    arm = request.GET.get("arm") or None
    if arm is not None:
        if not by_arm:
            raise PermissionDenied(BLINDED_ARM_REFUSAL)
        if arm not in ARMS:
            raise Http404(_("No such arm."))
        if not box.per_arm:
            arm = None
    flow = consort_flow(cutoff)
    paths = selectors.consort_box_paths(request.user, flow, key, arm)
    # A page at a time: "assessed" lists every patient screened (10,000 rows, 1 MB).
    page = Paginator(paths, CONSORT_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    patients = [
        (path, patient, protocol.Arm(path.arm).label if by_arm and path.arm else "")
        for path, patient in selectors.consort_paths_patients(request.user, list(page.object_list))
    ]
    return render(
        request,
        "oversight/consort_list.html",
        {
            "form": form,
            "box": box,
            "label": box.label_for(arm),
            "arm_label": protocol.Arm(arm).label if arm else "",
            "cutoff": cutoff,
            "patients": patients,
            "page": page,
            "shown": len(paths),
            "count": flow.count(key, arm),
            "show_arms": by_arm,
        },
    )


# --- The DMC report -------------------------------------------------------------------


def _dmc_part_allowed(request: AuthenticatedHttpRequest) -> str:
    """Refuse first, before reading the cut-off: the closed part to any blinded role."""
    part = request.GET.get("part") or DmcReportPart.OPEN
    dmc_report_allowed(request.user, part if part in DmcReportPart.values else "")
    return part


def _dmc_context(
    request: AuthenticatedHttpRequest, form: DmcReportForm, channel: str
) -> dict[str, Any]:
    cutoff, part = form.cleaned_data["cutoff"], form.cleaned_data["part"]
    content = dmc_report(user=request.user, cutoff=cutoff, part=part)
    generation = services.dmc_report_generation_record(
        user=request.user, cutoff=cutoff, part=part, channel=channel, content=content
    )
    consort_svg = ""
    if "open" in content:
        figure = services.consort_figure_request(
            cutoff=cutoff, by_arm=False, fingerprint=content["open"]["consort"]["fingerprint"]
        )
        consort_svg = figure.svg if figure.status == ConsortFigure.Status.DONE else ""
    return {
        "form": form,
        "report": content,
        "cutoff": cutoff,
        "part": part,
        "generation": generation,
        "consort_svg": consort_svg,
        "consort_rows": consort_rows(
            {k: {"all": n} for k, n in content["open"]["consort"]["counts"].items()}, False
        )
        if "open" in content
        else [],
        "safety_tables": content.get("closed", {}).get("safety_tables"),
        "can_see_arms": user_can_see_arms(request.user),
    }


@login_required
def dmc_report_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    part = _dmc_part_allowed(request)
    # Opened from the navigation (no parameters): the open part at the form's cut-off.
    data = request.GET.copy()
    data.setdefault("part", part)
    form = DmcReportForm(data, arms_visible=user_can_see_arms(request.user))
    if not form.is_valid():
        return render(request, "oversight/dmc_report.html", {"form": form}, status=400)
    context = _dmc_context(request, form, DmcReportGeneration.Channel.PAGE)
    context["figure_sources"] = {
        name: endpoint["figure"]
        for name, endpoint in context["report"]
        .get("closed", {})
        .get("analysis", {})
        .get("endpoints", {})
        .items()
    }
    tables = context["safety_tables"]
    if tables is not None:
        # The SAE listing a page at a time, as on the safety page (every SAE of the trial on
        # one page grew with the trial: ~2,900 rows, 1.4 MB at 10,000 patients); the tables
        # count them all, and the downloaded document keeps every row.
        listing = Paginator(tables.listing, LISTING_PAGE_SIZE).get_page(request.GET.get("page"))
        context["listing_page"] = listing
        context["listing_page_cells"] = tables.cells_of(listing.object_list)
    context["generations"] = selectors.dmc_report_generations(request.user)
    return render(request, "oversight/dmc_report.html", context)


@login_required
def dmc_report_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The report as one self-contained HTML document (its style and figures inside): print
    it to PDF from a browser; A4, each part and section on its own pages."""
    _dmc_part_allowed(request)
    form = DmcReportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    context = _dmc_context(request, form, DmcReportGeneration.Channel.DOWNLOAD)
    context["stylesheets"] = [
        _static_text(name) for name in ("trial.css", "safety_tables.css", "oversight.css")
    ]
    context["figure_sources"] = selectors.analysis_figures_inline(
        context["report"].get("closed", {}).get("analysis", {})
    )
    response = render(request, "oversight/dmc_report_document.html", context)
    name = f"dmc-report-{context['cutoff'].isoformat()}-{context['part']}.html"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found or isinstance(found, list):
        return ""
    with open(found, encoding="utf-8") as stylesheet:
        return stylesheet.read()
