"""Pages of the SAE reports: the site's list on the clock, a report with its versions, the
draft's form and the investigator's submission."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_can_report_sae_at, user_can_submit_sae
from refusals.pages import attempt, show_on_form
from safety import selectors, services
from safety.forms import SaeDraftForm, SaeSubmitForm
from safety.models import SaeReport, SaeReportVersion

SAE_LIST_PAGE_SIZE = 50


def _version(report: SaeReport, number: int) -> SaeReportVersion:
    return get_object_or_404(SaeReportVersion, report=report, number=number)


@login_required
def sae_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The SAEs of the account's sites, each with its clock; the latest awareness first, a
    page at a time (thousands in a large trial: was the latest 500 on one page)."""
    reports = selectors.sae_reports_visible_to(request.user).order_by("-site_aware_at", "-pk")
    page = Paginator(reports, SAE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(report, selectors.report_clock(report)) for report in page.object_list]
    return render(request, "safety/sae_list.html", {"rows": rows, "page": page})


@login_required
def sae_report_of_event(request: AuthenticatedHttpRequest, event_pk: int) -> HttpResponse:
    """The adverse event's SAE report (the timeline links here without looking it up)."""
    report = selectors.sae_reports_visible_to(request.user).filter(adverse_event_id=event_pk)
    found = report.first()
    if found is None:
        raise Http404("This adverse event has no SAE report.")
    return redirect("safety-sae-report", pk=found.pk)


@login_required
def sae_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A report: the clock, every version (submitted ones as received), the open draft."""
    report = selectors.sae_report_get_for(request.user, pk)
    site = report.patient.site
    versions = selectors.versions_of(report)
    draft = next((v for v in versions if v.is_draft), None)
    can_edit = user_can_report_sae_at(request.user, site)
    return render(
        request,
        "safety/sae_report.html",
        {
            "report": report,
            "event": report.adverse_event,
            "clock": selectors.report_clock(report),
            "versions": versions,
            "draft": draft,
            "draft_form": SaeDraftForm(instance=draft) if draft and can_edit else None,
            "can_edit": can_edit,
            "can_submit": user_can_submit_sae(request.user, site),
        },
    )


@login_required
def sae_draft_edit(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """Edit the draft of a version (a coordinator or investigator of the site)."""
    report = selectors.sae_report_get_for(request.user, pk)
    if not user_can_report_sae_at(request.user, report.patient.site):
        raise PermissionDenied(
            _("SAE reports are written by the site's coordinators and investigators.")
        )
    draft = _version(report, number)
    if not draft.is_draft:
        messages.error(
            request,
            _("The %(version)s was submitted: it cannot change.")
            % {"version": draft.display_label},
        )
        return redirect("safety-sae-report", pk=report.pk)
    form = SaeDraftForm(request.POST or None, instance=draft)
    if request.method == "POST" and form.is_valid():
        try:
            services.sae_draft_save(
                draft=draft,
                user=request.user,
                values=form.values(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request, _("Draft of the %(version)s saved.") % {"version": draft.display_label}
            )
            return redirect("safety-sae-report", pk=report.pk)
    return render(
        request,
        "safety/sae_draft_form.html",
        {
            "report": report,
            "event": report.adverse_event,
            "draft": draft,
            "form": form,
            "clock": selectors.report_clock(report),
        },
    )


@login_required
def sae_submit(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """The investigator signs and submits a version, password re-entered."""
    report = selectors.sae_report_get_for(request.user, pk)
    if not user_can_submit_sae(request.user, report.patient.site):
        raise PermissionDenied(_("An investigator of the site signs and submits SAE reports."))
    draft = _version(report, number)
    if not draft.is_draft:
        messages.error(
            request,
            _("The %(version)s was already submitted.") % {"version": draft.display_label},
        )
        return redirect("safety-sae-report", pk=report.pk)
    form = SaeSubmitForm(request.POST or None, initial={"version": draft.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.sae_submit(
                draft=draft,
                user=request.user,
                password=form.cleaned_data["password"],
                version=form.cleaned_data["version"],
                request=request,
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("The %(version)s was signed and submitted.") % {"version": draft.display_label},
            )
            return redirect("safety-sae-report", pk=report.pk)
    return render(
        request,
        "safety/sae_submit.html",
        {
            "report": report,
            "event": report.adverse_event,
            "draft": draft,
            "form": form,
            "clock": selectors.report_clock(report),
        },
    )


@login_required
@require_POST
def sae_follow_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start the next follow-up report, a copy of the last submitted version."""
    report = selectors.sae_report_get_for(request.user, pk)
    if not user_can_report_sae_at(request.user, report.patient.site):
        raise PermissionDenied(
            _("SAE reports are written by the site's coordinators and investigators.")
        )
    follow_up = attempt(
        request,
        lambda: services.sae_follow_up_start(report=report, user=request.user),
        success=_("Follow-up report started: complete it with what is new."),
    )
    if follow_up is None:
        return redirect("safety-sae-report", pk=report.pk)
    return redirect("safety-sae-edit", pk=report.pk, number=follow_up.number)
