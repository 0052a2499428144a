"""Pages of the data review: a patient's review page, the query list, locks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest, write_allowed, writes_allowed_for
from accounts.permissions import (
    user_can_answer_queries,
    user_can_answer_queries_at,
    user_can_close_queries,
    user_can_lock_data,
    user_can_raise_queries,
    user_can_raise_queries_at,
    user_can_sign_casebook,
    user_can_sign_casebooks,
    user_can_verify_source,
    user_can_verify_source_at,
)
from accounts.selectors import site_chosen, sites_visible_to
from locks.models import DataLock
from locks.selectors import active_lock, active_locks
from locks.services import data_lock, data_unlock
from patients.selectors import patient_get_for
from refusals.pages import attempt
from review import selectors, services
from review.checks import AUTOMATIC_CHECKS
from review.fingerprints import casebook_records
from review.labels import field_named
from review.models import DataQuery


def _record_from(patient, token: str):
    """Find the casebook record named 'content_type_id:pk' among this patient's own."""
    for record in casebook_records(patient):
        if f"{ContentType.objects.get_for_model(record).pk}:{record.pk}" == token:
            return record
    raise ValidationError({"record": [_("Choose a record of this patient's casebook.")]})


@dataclass(frozen=True)
class Typed:
    """What was typed into one of the review page's forms when its action was refused:
    the page is shown again with the values kept and the reason beside that form."""

    form: str
    values: dict[str, str]
    errors: list[str]
    pk: int | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)


# Never sent back to the browser, even to the person who typed it.
_NOT_KEPT = {"csrfmiddlewaretoken", "password", "form_token"}


def _done(
    request: AuthenticatedHttpRequest,
    patient,
    action,
    message: str,
    *,
    form: str,
    pk: int | None = None,
) -> HttpResponse:
    """Run a review action. Done: say so and show the review page. Refused: show the page
    again (400) with what was typed kept and the reason beside the form that sent it."""
    try:
        action()
    except ValidationError as exc:
        typed = Typed(
            form=form,
            pk=pk,
            values={k: str(v) for k, v in request.POST.items() if k not in _NOT_KEPT},
            errors=exc.messages,
        )
        return _review_page(request, patient, typed=typed, status=400)
    messages.success(request, message)
    return redirect("review-patient", study_id=patient.study_id)


@login_required
def patient_review(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    return _review_page(request, patient_get_for(request.user, study_id))


def _review_page(
    request: AuthenticatedHttpRequest, patient, *, typed: Typed | None = None, status: int = 200
) -> HttpResponse:
    reviews = selectors.casebook_review(patient)
    return render(
        request,
        "review/patient_review.html",
        {
            "patient": patient,
            "reviews": reviews,
            "record_choices": [
                (f"{ContentType.objects.get_for_model(r.record).pk}:{r.record.pk}", r.label)
                for r in reviews
            ],
            "signature": selectors.signature_state(patient),
            "lock": active_lock(patient),
            "closed_queries": selectors.queries_for(request.user).filter(
                patient=patient, status=DataQuery.Status.CLOSED
            ),
            "can_answer": user_can_answer_queries_at(request.user, patient.site),
            "can_raise_queries": user_can_raise_queries_at(request.user, patient.site),
            "can_close_queries": user_can_close_queries(request.user),
            "can_verify": user_can_verify_source_at(request.user, patient.site),
            "can_sign": user_can_sign_casebook(request.user, patient.site),
            "can_lock": user_can_lock_data(request.user),
            "verified": sum(1 for r in reviews if r.verification_current),
            "typed": typed,
        },
        status=status,
    )


@login_required
@require_POST
def query_raise(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    patient = patient_get_for(request.user, study_id)
    write_allowed(request.user, user_can_raise_queries)

    def raise_query() -> None:
        record = _record_from(patient, request.POST.get("record", ""))
        services.query_raise(
            user=request.user,
            record=record,
            field_name=field_named(record, request.POST.get("field_name", "")),
            text=request.POST.get("text", ""),
        )

    return _done(
        request,
        patient,
        raise_query,
        _("Query raised."),
        form="raise-query",
    )


@login_required
@require_POST
def query_step(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    query = get_object_or_404(DataQuery, pk=pk)
    patient = patient_get_for(request.user, query.patient.study_id)  # 404 for another site
    write_allowed(
        request.user, user_can_answer_queries if action == "answer" else user_can_close_queries
    )
    steps = {
        "answer": (services.query_answer, _("Query answered.")),
        "close": (services.query_close, _("Query closed.")),
        "reopen": (services.query_reopen, _("Query re-opened.")),
    }
    if action not in steps:
        raise Http404(_("No such step."))
    step, message = steps[action]
    return _done(
        request,
        patient,
        lambda: step(user=request.user, query=query, text=request.POST.get("text", "")),
        message,
        form=action,
        pk=query.pk,
    )


@login_required
@require_POST
def record_verify(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    patient = patient_get_for(request.user, study_id)
    write_allowed(request.user, user_can_verify_source)
    return _done(
        request,
        patient,
        lambda: services.record_verify(
            user=request.user, record=_record_from(patient, request.POST.get("record", ""))
        ),
        _("Marked verified against the source."),
        form="verify",
    )


@login_required
@require_POST
def casebook_sign(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    patient = patient_get_for(request.user, study_id)
    write_allowed(request.user, user_can_sign_casebooks)
    return _done(
        request,
        patient,
        lambda: services.casebook_sign(
            user=request.user,
            patient=patient,
            password=request.POST.get("password", ""),
            request=request,
        ),
        _("Casebook signed."),
        form="sign",
    )


@login_required
@require_POST
def patient_lock(request: AuthenticatedHttpRequest, study_id: str) -> HttpResponse:
    patient = patient_get_for(request.user, study_id)
    write_allowed(request.user, user_can_lock_data)
    return _done(
        request,
        patient,
        lambda: data_lock(
            user=request.user, patient=patient, reason=request.POST.get("reason", "")
        ),
        _("Patient's data locked."),
        form="lock",
    )


@login_required
@require_POST
@writes_allowed_for(user_can_lock_data)
def lock_release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lock = get_object_or_404(DataLock, pk=pk)

    def unlock() -> None:
        data_unlock(user=request.user, lock=lock, reason=request.POST.get("reason", ""))

    success = _("Unlocked; the reason is kept in the audit trail.")
    if lock.patient is not None:
        patient = patient_get_for(request.user, lock.patient.study_id)
        return _done(request, patient, unlock, success, form="unlock")
    attempt(request, unlock, success=success)
    return redirect("review-locks")


QUERY_PAGE_SIZE = 50


@login_required
def query_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The data manager's list of queries, filterable by site, kind, status and age."""
    site = site_chosen(request.user, request.GET.get("site"))
    age = request.GET.get("min_age", "").strip()
    if age and not (age.isascii() and age.isdigit() and len(age) <= 5):
        messages.error(request, _("Age: a number of days, e.g. 30."))
        age = ""
    queries = selectors.queries_for(
        request.user,
        site=site,
        kind=request.GET.get("kind") or None,
        status=request.GET.get("status", "open") or None,
        min_age_days=int(age) if age.isdigit() else None,
    )
    # A page of queries rendered (newest first); the page links keep the filters.
    page = Paginator(queries.order_by("-raised_at", "-pk"), QUERY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "review/query_list.html",
        {
            "queries": page.object_list,
            "page": page,
            "site": site,
            "sites": sites_visible_to(request.user),
            "ageing": selectors.query_ageing(request.user),
            "checks": AUTOMATIC_CHECKS,
            "filters": request.GET,
            "kinds": DataQuery.Kind.choices,
            "statuses": DataQuery.Status.choices,
        },
    )


@login_required
def locks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Active locks; a data manager locks a whole site, or the whole trial, here."""
    if request.method == "POST":
        if not user_can_lock_data(request.user):
            raise PermissionDenied(_("Data managers lock data."))
        if request.POST.get("whole_trial"):
            attempt(
                request,
                lambda: data_lock(
                    user=request.user, reason=request.POST.get("reason", ""), whole_trial=True
                ),
                success=_("The whole trial is locked."),
            )
            return redirect("review-locks")
        site = site_chosen(request.user, request.POST.get("site"))
        if site is None:
            raise Http404(_("Choose a site."))
        attempt(
            request,
            lambda: data_lock(user=request.user, site=site, reason=request.POST.get("reason", "")),
            success=_("Site %(site)s locked.") % {"site": site},
        )
        return redirect("review-locks")
    return render(
        request,
        "review/locks.html",
        {
            "locks": active_locks(request.user),
            "sites": sites_visible_to(request.user),
            "can_lock": user_can_lock_data(request.user),
        },
    )
