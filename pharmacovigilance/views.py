"""Pages of the sponsor's safety desk: every SAE of every site on its clocks, one case's
assessment, the SUSAR's reports to the regulators and its CIOMS-I form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

import protocol
from accounts.http import AuthenticatedHttpRequest, write_allowed
from accounts.models import Site
from accounts.permissions import user_can_assess_saes, user_can_view_sponsor_safety
from pharmacovigilance import selectors, services
from pharmacovigilance.case_file import case_file
from pharmacovigilance.forms import (
    AssessmentForm,
    FollowUpReportForm,
    RegulatorReportForm,
    RsiVersionForm,
)
from pharmacovigilance.models import Susar
from refusals.pages import show_on_form

SPONSOR_SAFETY_PAGE_SIZE = 50
ONLY_SPONSOR_SAFETY = gettext_lazy(
    "The sponsor's safety page is for the roles that follow SAEs trial-wide."
)


def _require_viewer(request: AuthenticatedHttpRequest) -> None:
    if not user_can_view_sponsor_safety(request.user):
        raise PermissionDenied(ONLY_SPONSOR_SAFETY)


STATUS_FILTERS = [
    ("susar", gettext_lazy("SUSARs")),
    *((status.value, label) for status, label in selectors.ASSESSMENT_STATUS_LABELS.items()),
]


@login_required
def sponsor_safety(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every SAE of every site: the site's 24-hour clock, the assessment, the SUSAR clock;
    overdue SUSARs at the top."""
    _require_viewer(request)
    site = Site.objects.filter(number=request.GET.get("site") or 0).first()
    status = request.GET.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    overdue = request.GET.get("overdue") == "1"
    cases = selectors.sponsor_safety_cases(request.user, site=site, status=status, overdue=overdue)
    # A page at a time, in the cases' order (the urgent first): a large trial has thousands.
    page = Paginator(cases, SPONSOR_SAFETY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pharmacovigilance/sponsor_safety.html",
        {
            "cases": page.object_list,
            "page": page,
            "sites": Site.objects.all(),
            "site": site,
            "status": status,
            "overdue": overdue,
            "statuses": STATUS_FILTERS,
            "overdue_susars": selectors.overdue_susar_count(request.user),
            "can_assess": user_can_assess_saes(request.user),
        },
    )


def _case_page(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    form: AssessmentForm | None = None,
    report_form: RegulatorReportForm | None = None,
    follow_up_form: FollowUpReportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    case = selectors.sponsor_case_get_for(request.user, pk)
    file = case_file(case.report)
    can_assess = user_can_assess_saes(request.user)
    susar = case.susar.susar if case.susar else None
    if can_assess and file.version is not None and form is None:
        form = AssessmentForm(lines=file.drugs, assessment=file.assessment)
    if can_assess and susar is not None:
        report_form = report_form or RegulatorReportForm(initial={"version": susar.version})
        follow_up_form = follow_up_form or FollowUpReportForm(initial={"version": susar.version})
    return render(
        request,
        "pharmacovigilance/case.html",
        {
            "case": case,
            "file": file,
            "report": case.report,
            "event": case.report.adverse_event,
            "randomization": getattr(case.report.patient, "randomization", None),
            "form": form if can_assess else None,
            "report_form": report_form,
            "follow_up_form": follow_up_form,
            "can_assess": can_assess,
        },
        status=status,
    )


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    return _case_page(request, pk)


@login_required
@require_POST
def case_assess(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record or revise the sponsor's assessment; refused, the page comes back with what
    was typed and the reasons beside the fields (400)."""
    _require_viewer(request)
    case = selectors.sponsor_case_get_for(request.user, pk)
    write_allowed(request.user, user_can_assess_saes)
    file = case_file(case.report)
    if file.assessment is not None and not request.POST.get("version"):
        # The form was opened before a colleague's first assessment: not a revision of it.
        messages.error(
            request,
            _(
                "Another assessor assessed this case after you opened it: nothing was saved. "
                "Read their assessment, then revise it with a reason if you disagree."
            ),
        )
        return redirect("pharmacovigilance-case", pk=pk)
    form = AssessmentForm(request.POST, lines=file.drugs, assessment=file.assessment)
    if form.is_valid():
        try:
            services.sae_assess(
                report=case.report,
                user=request.user,
                opinions=form.opinions(),
                comment=form.cleaned_data["comment"],
                reason=form.cleaned_data.get("reason", ""),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as refused:
            show_on_form(form, refused)
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("pharmacovigilance-case", pk=pk)
    return _case_page(request, pk, form=form, status=400)


def _susar_for(request: AuthenticatedHttpRequest, pk: int) -> Susar:
    _require_viewer(request)
    susar = selectors.susar_get_for(request.user, pk)
    write_allowed(request.user, user_can_assess_saes)
    return susar


@login_required
@require_POST
def susar_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the report to the regulators: the SUSAR's clock stops."""
    susar = _susar_for(request, pk)
    report_pk = susar.assessment.report_id
    form = RegulatorReportForm(request.POST)
    if form.is_valid():
        try:
            services.susar_report_record(
                susar=susar,
                user=request.user,
                reported_at=form.cleaned_data["reported_at"],
                reported_to=form.cleaned_data["reported_to"],
                reference=form.cleaned_data["reference"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as refused:
            show_on_form(form, refused)
        else:
            messages.success(request, _("Report to the regulators recorded."))
            return redirect("pharmacovigilance-case", pk=report_pk)
    return _case_page(request, report_pk, report_form=form, status=400)


@login_required
@require_POST
def susar_follow_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the day-15 follow-up report of a fatal or life-threatening SUSAR."""
    susar = _susar_for(request, pk)
    report_pk = susar.assessment.report_id
    form = FollowUpReportForm(request.POST)
    if form.is_valid():
        try:
            services.susar_follow_up_record(
                susar=susar,
                user=request.user,
                reported_at=form.cleaned_data["reported_at"],
                reference=form.cleaned_data["reference"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as refused:
            show_on_form(form, refused)
        else:
            messages.success(request, _("Follow-up report recorded."))
            return redirect("pharmacovigilance-case", pk=report_pk)
    return _case_page(request, report_pk, follow_up_form=form, status=400)


@login_required
def susar_cioms(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The CIOMS-I-like form of a SUSAR, to print (A4, no buttons): the patient by study ID,
    sex and age only."""
    _require_viewer(request)
    susar = selectors.susar_get_for(request.user, pk)
    report = susar.assessment.report
    return render(
        request,
        "pharmacovigilance/cioms.html",
        {
            "susar": susar,
            "clock": selectors.susar_clock(susar),
            "file": case_file(report, today=susar.assessment.assessed_at.date()),
            "report": report,
            "event": report.adverse_event,
            "sponsor_name": protocol.SPONSOR,
        },
    )


@login_required
def rsi(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every version of the reference safety information; pharmacovigilance enters a new
    one (POST). Refused, the form comes back with what was typed (400)."""
    _require_viewer(request)
    if request.method == "POST":
        write_allowed(request.user, user_can_assess_saes)  # before any input is read
    form = RsiVersionForm(request.POST or None) if user_can_assess_saes(request.user) else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                entered = services.rsi_version_enter(user=request.user, **form.cleaned_data)
            except ValidationError as refused:
                show_on_form(form, refused)
            else:
                messages.success(
                    request,
                    _("RSI version entered: %(document)s.") % {"document": entered.document},
                )
                return redirect("pharmacovigilance-rsi")
        status = 400
    return render(
        request,
        "pharmacovigilance/rsi.html",
        {"versions": selectors.rsi_versions(), "form": form},
        status=status,
    )
