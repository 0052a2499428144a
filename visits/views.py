"""Pages of the treatment and follow-up records, the worklist and SAE review.

One pair of generic views serves every record kind: each kind's form is declared in
visits/crfs.py and linked to the services that create and correct it (RECORD_KINDS), so
the rules stay in the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import protocol
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_can_enter_data, user_can_enter_data_at
from accounts.selectors import site_chosen, sites_visible_to
from patients.models import Patient
from patients.selectors import patient_get_for
from refusals.pages import attempt, show_on_form
from visits import crfs, selectors, services
from visits.forms import MissedVisitForm, RecordForm
from visits.models import (
    AdverseEvent,
    FollowUpVisit,
)
from visits.records import RECORD_KINDS, RecordKind
from visits.relevance import fields_not_concerning
from visits.services.entry import Saved


class _AdverseEventChoiceField(forms.ModelChoiceField):
    """The patient's adverse events, each named with its term in the reader's language."""

    def label_from_instance(self, obj: AdverseEvent) -> str:
        return _("%(patient)s %(term)s grade %(grade)s") % {
            "patient": obj.patient,
            "term": obj.term_label,
            "grade": obj.grade,
        }


def _fatal_event_field(patient: Patient, editing: bool) -> forms.Field:
    return _AdverseEventChoiceField(
        queryset=AdverseEvent.objects.filter(patient=patient),
        required=False,
        label=_("Adverse event that caused the death"),
        help_text=_("Only when the cause of death is an adverse event; it becomes grade 5."),
    )


def _previous_grade_field(patient: Patient, editing: bool) -> forms.Field | None:
    if not editing:
        return None
    return forms.TypedChoiceField(
        choices=[("", "---------"), *[(g, g) for g in protocol.CTCAE_GRADES[:-1]]],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("True grade of the previously fatal event"),
        help_text=_("Only when the death is no longer attributed to that event."),
    )


# Form fields beyond the record's own, by record kind (the services take them as arguments).
EXTRA_FORM_FIELDS: dict[str, dict[str, Callable[[Patient, bool], forms.Field | None]]] = {
    "off-study": {
        "fatal_adverse_event": _fatal_event_field,
        "previous_fatal_event_grade": _previous_grade_field,
    },
}


def _kind(name: str) -> RecordKind:
    if name not in RECORD_KINDS:
        raise Http404(_("No such record."))
    return RECORD_KINDS[name]


def _extra_fields(kind: RecordKind) -> dict[str, Callable]:
    return EXTRA_FORM_FIELDS.get(kind.name, {})


def _editable_patient(request: AuthenticatedHttpRequest, study_id: str) -> Patient:
    patient = patient_get_for(request.user, study_id)
    if not user_can_enter_data_at(request.user, patient.site):
        raise PermissionDenied(_("Only a coordinator of this site can enter its data."))
    return patient


def _form(
    request: AuthenticatedHttpRequest, kind: RecordKind, patient: Patient, instance: Model | None
) -> RecordForm:
    form = RecordForm(request.POST or None, form=kind.form, instance=instance)
    form.leave_out(fields_not_concerning(kind.form, patient, instance))
    if instance is None and kind.form is crfs.TRANSPLANT:
        form.initial.update(selectors.transplant_values_proposed(patient))
    if instance is None and kind.form is crfs.RESPONSE:
        form.initial["timepoint"] = selectors.response_timepoint_proposed(patient)
    for name, make in _extra_fields(kind).items():
        extra = make(patient, instance is not None)
        if extra is not None:
            form.fields[name] = extra
            if instance is not None and hasattr(instance, name):
                form.initial.setdefault(name, getattr(instance, name))
    return form


def _render(request, kind, patient, form, instance) -> HttpResponse:
    return render(
        request,
        "visits/record_form.html",
        {"kind": kind, "patient": patient, "form": form, "instance": instance},
    )


def _extras(kind: RecordKind, form: RecordForm) -> dict[str, Any]:
    return {
        name: form.cleaned_data.get(name) for name in _extra_fields(kind) if name in form.fields
    }


def _saved_message(request: AuthenticatedHttpRequest, done: str, saved: Saved[Model]) -> None:
    """Say the record is saved, and, in the same message, what its values warn of: the
    coordinator checks a dose off the plan now, not when a monitor finds it."""
    if saved.warnings:
        messages.warning(
            request,
            _("%(done)s Please check: %(warnings)s")
            % {"done": done, "warnings": " ".join(saved.warnings)},
        )
    else:
        messages.success(request, done)


@login_required
def record_new(request: AuthenticatedHttpRequest, study_id: str, kind_name: str) -> HttpResponse:
    """Record a new cycle, response, transplant, end of treatment, AE or off-study event."""
    kind = _kind(kind_name)
    patient = _editable_patient(request, study_id)
    form = _form(request, kind, patient, None)
    if request.method == "POST" and form.is_valid():
        extras = {k: v for k, v in _extras(kind, form).items() if k != "previous_fatal_event_grade"}
        try:
            saved = kind.record(patient=patient, user=request.user, values=form.values(), **extras)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            done = _("%(record)s recorded for %(study_id)s.") % {
                "record": kind.title,
                "study_id": patient.study_id,
            }
            _saved_message(request, done, saved)
            return redirect("patient-detail", study_id=patient.study_id)
    return _render(request, kind, patient, form, None)


@login_required
def record_edit(
    request: AuthenticatedHttpRequest, study_id: str, kind_name: str, pk: int | None = None
) -> HttpResponse:
    """Correct a record: reason for change required, refused if someone saved in between.

    A one-per-patient record (end of treatment, transplant, off study) is found by the
    patient alone; a repeated one (cycles, responses, adverse events) only by its id, as
    the record API does: `cycles/edit/` looked a patient's only cycle up and broke (500)
    once there were two.
    """
    kind = _kind(kind_name)
    if (pk is None) != kind.single:
        raise Http404(_("Choose which record to correct from the patient's page."))
    patient = _editable_patient(request, study_id)
    lookup = {"pk": pk} if pk is not None else {}
    instance = get_object_or_404(kind.model, patient=patient, **lookup)
    form = _form(request, kind, patient, instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = kind.correct(
                **{kind.record_argument: instance},
                user=request.user,
                values=form.values(),
                version=form.cleaned_data["version"],
                reason=form.change_reason,
                **_extras(kind, form),
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            done = _("%(record)s of %(study_id)s corrected.") % {
                "record": kind.title,
                "study_id": patient.study_id,
            }
            _saved_message(request, done, saved)
            return redirect("patient-detail", study_id=patient.study_id)
    return _render(request, kind, patient, form, instance)


def _return_to(request: AuthenticatedHttpRequest) -> str | None:
    """The page to go back to once saved (`next`, e.g. the worklist with its filters), if it
    is on this site; None for anything else, so a crafted link cannot send a coordinator
    from a saved visit to another host."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return None


@login_required
def visit_record(request: AuthenticatedHttpRequest, study_id: str, month: int) -> HttpResponse:
    """Fill in a follow-up visit, or mark it missed with a reason; then back to the page it
    was opened from (the worklist) when that page is on this site, else the patient's."""
    patient = _editable_patient(request, study_id)
    return_to = _return_to(request)
    visit = get_object_or_404(FollowUpVisit, patient=patient, month=month)
    completed = visit.is_completed
    missing = request.method == "POST" and request.POST.get("action") == "miss"
    recording = request.method == "POST" and not missing
    form = RecordForm(
        request.POST if recording else None, form=crfs.FOLLOW_UP_VISIT, instance=visit
    )
    for name in ("performed_on", "vital_status"):
        form.fields[name].required = True
    if not completed:
        form.fields["reason"].required = False
        form.fields["reason"].widget = forms.HiddenInput()
    missed_form = MissedVisitForm(
        request.POST if missing else None, prefix="missed", initial={"version": visit.version}
    )
    if request.method == "POST":
        try:
            if missing:
                if missed_form.is_valid():
                    services.followup_visit_miss(
                        visit=visit,
                        user=request.user,
                        missed_reason=missed_form.cleaned_data["missed_reason"],
                        version=missed_form.cleaned_data["version"],
                    )
                    messages.success(
                        request, _("Visit %(visit)s marked missed.") % {"visit": visit.label}
                    )
                    return redirect(return_to or reverse("patient-detail", args=[patient.study_id]))
            elif form.is_valid():
                services.followup_visit_record(
                    visit=visit,
                    user=request.user,
                    values=form.values(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("Visit %(visit)s of %(study_id)s recorded.")
                    % {"visit": visit.label, "study_id": patient.study_id},
                )
                return redirect(return_to or reverse("patient-detail", args=[patient.study_id]))
        except ValidationError as exc:
            show_on_form(missed_form if missing else form, exc)
    return render(
        request,
        "visits/visit_form.html",
        {
            "patient": patient,
            "visit": visit,
            "form": form,
            "missed_form": missed_form,
            "status": selectors.status_of(visit),
            "completed": completed,
            "return_to": return_to,
        },
    )


@login_required
@require_POST
def adverse_event_review(request: AuthenticatedHttpRequest, study_id: str, pk: int) -> HttpResponse:
    """An investigator of the site or a data manager marks an SAE reviewed."""
    patient = patient_get_for(request.user, study_id)
    event = get_object_or_404(AdverseEvent, patient=patient, pk=pk)
    attempt(
        request,
        lambda: services.adverse_event_review(event=event, user=request.user),
        success=_("SAE %(term)s of %(study_id)s reviewed.")
        % {"term": event.term_label, "study_id": patient.study_id},
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "dashboard"
    return redirect(next_url)


WORKLIST_PAGE_SIZE = 50


@login_required
def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Visits due and overdue this month at my sites, sortable."""
    site = site_chosen(request.user, request.GET.get("site"))
    sort = request.GET.get("sort", "target")
    rows = selectors.worklist(request.user, site=site, sort=sort)
    # A page of rows rendered, whatever the number of visits owed across the trial.
    page = Paginator(rows, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/worklist.html",
        {
            "rows": page.object_list,
            "page": page,
            "can_record": user_can_enter_data(request.user),
            "sort": sort,
            "site": site,
            "sites": sites_visible_to(request.user),
            "sorts": [
                ("target", _("Target date")),
                ("window_closes", _("Window closes")),
                ("status", _("Overdue first")),
                ("study_id", _("Study ID")),
            ],
        },
    )
