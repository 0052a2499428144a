"""Pages for screening and the patient record. Thin: forms parse, services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_can_enter_data, user_can_enter_data_at
from accounts.selectors import sites_for_data_entry
from biology.selectors import eln_risk
from dashboard.selectors import patient_history_for
from dashboard.services import screening_correct
from locks.selectors import active_lock
from locks.services import DataLocked
from patients import selectors, services
from patients.forms import ScreeningForm
from refusals.pages import show_on_form
from review.models import DataQuery
from visits.selectors import patient_timeline

# Audited changes shown on a page of a patient's audit trail.
HISTORY_PAGE_SIZE = 50


@login_required
def screening_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Screen a new patient at one of the coordinator's sites."""
    sites = sites_for_data_entry(request.user)
    if not sites.exists():
        raise PermissionDenied(_("Only a study coordinator can screen patients, at their sites."))
    form = ScreeningForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_screen(
                site=form.cleaned_data["site"],
                user=request.user,
                sex=form.cleaned_data["sex"],
                year_of_birth=form.cleaned_data["year_of_birth"],
                screening=form.screening_values(),
                answers=form.answers(),
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            outcome = patient.screening.get_outcome_display().lower()
            messages.success(
                request,
                _("Patient %(study_id)s screened: %(outcome)s.")
                % {"study_id": patient.study_id, "outcome": outcome},
            )
            return redirect("patient-detail", study_id=patient.study_id)
    return render(request, "patients/screening_form.html", {"form": form, "patient": None})


@login_required
def screening_edit(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    """Correct a saved screening; a reason for change is required and audited."""
    patient = selectors.patient_get_for(request.user, study_id)
    if not user_can_enter_data(request.user):
        raise PermissionDenied(_("Only a study coordinator can correct screening data."))
    form = ScreeningForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        changes = {
            "sex": form.cleaned_data["sex"],
            "year_of_birth": form.cleaned_data["year_of_birth"],
            **form.screening_values(),
        }
        try:
            screening_correct(
                patient=patient,
                user=request.user,
                reason=form.cleaned_data["reason"],
                changes=changes,
                answers=form.answers(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request, _("Screening of %(study_id)s corrected.") % {"study_id": patient.study_id}
            )
            return redirect("patient-detail", study_id=patient.study_id)
    return render(request, "patients/screening_form.html", {"form": form, "patient": patient})


@login_required
def patient_detail(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    """The patient page: screening, checklist, baseline data and the patient's course; the
    audit trail is a page of its own (patient_history)."""
    patient = selectors.patient_get_for(request.user, study_id)
    randomization = getattr(patient, "randomization", None)
    # A locked casebook offers no entry or correction: each would be refused once filled in.
    lock = active_lock(patient)
    may_enter = user_can_enter_data_at(request.user, patient.site) and lock is None
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "randomization": randomization,
            "timeline": patient_timeline(patient),
            "open_queries": DataQuery.objects.filter(patient=patient)
            .exclude(status=DataQuery.Status.CLOSED)
            .count(),
            "can_randomize": randomization is None and patient.screening.is_eligible and may_enter,
            "screening": patient.screening,
            # Derived from the screening specimen, shown beside the investigator's entry.
            "eln": eln_risk(patient),
            "can_edit": may_enter,
            "lock_notice": DataLocked(lock).messages[0] if lock is not None else "",
            "edit_url": reverse("screening-edit", args=[patient.study_id]),
        },
    )


@login_required
def patient_history(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    """The patient's audit trail, HISTORY_PAGE_SIZE changes a page, oldest first: who changed
    which field of which record, from what to what, when and why.

    Its own page, not part of the patient page: the trail grows with every save of the
    patient's course (hundreds of changes over a follow-up of years), and reading it was
    most of the patient page's time.
    """
    patient = selectors.patient_get_for(request.user, study_id)
    entries = patient_history_for(request.user, patient)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "patients/patient_history.html", {"patient": patient, "page": page})
