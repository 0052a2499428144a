"""Randomization pages: randomize, the printable confirmation, balance and sequence reports,
and the unblinding of the trial."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import (
    user_can_enter_data_at,
    user_can_unblind_trial,
    user_can_view_balance_report,
)
from locks.selectors import locked_patient_share
from patients.selectors import patient_get_for
from randomization import selectors, services
from randomization.blinding import trial_unblinding
from randomization.forms import RandomizeForm, TrialUnblindForm
from randomization.models import Randomization, TrialUnblinding
from refusals.pages import show_on_form

SEQUENCE_PAGE_SIZE = 50


@never_cache
@login_required
def patient_randomize(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    """Confirm eligibility and regimen, then randomize; a repeat shows the existing result."""
    patient = patient_get_for(request.user, study_id)
    if request.method == "POST" and not user_can_enter_data_at(request.user, patient.site):
        raise PermissionDenied(_("Only a coordinator of this site can randomize its patients."))
    existing = Randomization.objects.filter(patient=patient).first()
    if existing is not None:
        if request.method == "POST":
            messages.info(
                request,
                _("%(refusal)s No new arm was drawn.")
                % {"refusal": services.AlreadyRandomized(existing)},
            )
        return redirect("randomization-confirmation", study_id=patient.study_id)
    if not user_can_enter_data_at(request.user, patient.site):
        raise PermissionDenied(_("Only a coordinator of this site can randomize its patients."))
    if not patient.screening.is_eligible:
        return render(
            request,
            "randomization/randomize.html",
            {
                "form": None,
                "patient": patient,
                "refusal": _(
                    "Patient %(study_id)s is a screen failure and cannot be randomized: %(reason)s"
                )
                % {"study_id": patient, "reason": patient.screening.failure_text},
            },
        )
    form = RandomizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_randomize(
                patient=patient, user=request.user, regimen=form.cleaned_data["regimen"]
            )
        except services.AlreadyRandomized as exc:
            messages.info(request, _("%(refusal)s No new arm was drawn.") % {"refusal": exc})
        except ValidationError as exc:  # not eligible, bad regimen, or the data are locked
            show_on_form(form, exc)
            return render(
                request, "randomization/randomize.html", {"form": form, "patient": patient}
            )
        return redirect("randomization-confirmation", study_id=patient.study_id)
    return render(request, "randomization/randomize.html", {"form": form, "patient": patient})


@login_required
def randomization_confirmation(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    """The printable randomization confirmation for the patient's file."""
    patient = patient_get_for(request.user, study_id)
    randomization = (
        Randomization.objects.select_related("stratum", "randomized_by")
        .filter(patient=patient)
        .first()
    )
    if randomization is None:
        return redirect("randomization-randomize", study_id=patient.study_id)
    return render(
        request,
        "randomization/confirmation.html",
        {"patient": patient, "randomization": randomization},
    )


@login_required
def balance_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Counts by arm per stratum and overall, for the statistician and the data manager."""
    if not user_can_view_balance_report(request.user):
        raise PermissionDenied(_("The balance report is for the statistician and data managers."))
    return render(request, "randomization/balance.html", {"report": selectors.balance_report()})


@login_required
def allocation_sequence(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The used allocation sequence, for the trial master file; every viewing is recorded.
    A page at a time: a large trial has thousands of allocations."""
    services.allocation_sequence_view_record(user=request.user, what="used allocation sequence")
    page = Paginator(selectors.used_allocation_sequence(), SEQUENCE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "randomization/sequence.html",
        {"allocations": page.object_list, "page": page},
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
def trial_unblind(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The statistician unblinds the trial for the final analysis: reason and password."""
    if not user_can_unblind_trial(request.user):
        raise PermissionDenied(_("Only the trial statistician unblinds the trial."))
    unblinding = trial_unblinding()
    form = TrialUnblindForm(request.POST or None) if unblinding is None else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.trial_unblind(
                user=request.user,
                reason=form.cleaned_data["reason"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except services.AlreadyUnblinded as exc:
            messages.info(request, str(exc))
        except ValidationError as exc:
            show_on_form(form, exc)
            return _unblinding_page(request, form, unblinding)
        else:
            messages.success(
                request, _("The trial is unblinded: the sponsor now sees results by arm.")
            )
        return redirect("randomization-unblinding")
    return _unblinding_page(request, form, unblinding)


def _unblinding_page(
    request: AuthenticatedHttpRequest,
    form: TrialUnblindForm | None,
    unblinding: TrialUnblinding | None,
) -> HttpResponse:
    return render(
        request,
        "randomization/unblinding.html",
        {"form": form, "unblinding": unblinding, "locks": locked_patient_share()},
    )
