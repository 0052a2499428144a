"""Writes of the data review: queries, verification and signatures."""

from __future__ import annotations

from typing import Any

import pghistory
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import (
    user_can_answer_queries_at,
    user_can_close_queries,
    user_can_raise_queries,
    user_can_raise_queries_at,
    user_can_sign_casebook,
    user_can_verify_source,
    user_can_verify_source_at,
)
from patients.models import CriterionAnswer, Patient
from refusals.text import has_visible_text, text_checked
from review.fingerprints import casebook_fingerprint, fingerprint, record_values
from review.models import DataQuery, QueryStep, Signature, SourceVerification


def _reference(record: Model, field_name: str) -> dict:
    if field_name:
        try:
            record._meta.get_field(field_name)
        except FieldDoesNotExist:
            raise ValidationError(
                {
                    "field_name": [
                        _("%(record)s has no field %(field)s.")
                        % {
                            "record": str(record._meta.verbose_name).capitalize(),
                            "field": repr(field_name),
                        }
                    ]
                }
            ) from None
    clinical: Any = record  # every clinical record has its patient
    if isinstance(record, Patient):
        patient = record
    elif isinstance(record, CriterionAnswer):  # an eligibility answer, by its screening
        patient = record.screening.patient
    else:
        patient = clinical.patient
    return {
        "patient": patient,
        "content_type": ContentType.objects.get_for_model(record),
        "object_id": record.pk,
        "field_name": field_name,
    }


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role may not do this."))


# --- Queries ----------------------------------------------------------------------------


@transaction.atomic
def query_raise(
    *,
    user: User | None,
    record: Model,
    field_name: str = "",
    text: str,
    text_message: dict[str, Any] | None = None,
    check_code: str = "",
) -> DataQuery:
    """Raise a query on a record or one of its fields (a data manager anywhere, a monitor at
    their sites, or the system). An automatic check gives its English `text` and the
    `text_message` it was written from, so pages show it in their reader's language."""
    if user is not None:
        _require(user_can_raise_queries(user))
    reference = _reference(record, field_name)
    if user is not None and not user_can_raise_queries_at(user, reference["patient"].site):
        raise PermissionDenied(_("Monitors raise queries at the sites they are assigned to."))
    if not has_visible_text(text):
        raise ValidationError({"text": [_("Say what is doubtful about the value.")]})
    text = text_checked(DataQuery, "text", text.strip())  # pages post it raw
    with pghistory.context(
        user=user.pk if user else None,
        reason=f"Query raised{f' by check {check_code}' if check_code else ''}",
    ):
        query = DataQuery.objects.create(
            **reference,
            text=text,
            text_message=text_message or {},
            raised_by=user,
            kind=DataQuery.Kind.AUTOMATIC if user is None else DataQuery.Kind.MANUAL,
            check_code=check_code,
        )
        QueryStep.objects.create(
            query=query, action=QueryStep.Action.RAISED, text=query.text, by=user
        )
    return query


def _cannot_move(query: DataQuery, action: str) -> str:
    """Why a query in its status cannot take this step, in the reader's language."""
    status = query.get_status_display().lower()
    messages: dict[str, str] = {
        QueryStep.Action.ANSWERED: _("This query is %(status)s: it cannot be answered."),
        QueryStep.Action.CLOSED: _("This query is %(status)s: it cannot be closed."),
        QueryStep.Action.REOPENED: _("This query is %(status)s: it cannot be reopened."),
    }
    text = messages.get(action, _("This query is %(status)s: it cannot be changed."))
    return text % {"status": status}


def _move(
    query: DataQuery,
    *,
    user: User | None,
    to: str,
    action: str,
    text: str,
    allowed_from: tuple[str, ...],
) -> DataQuery:
    text = text_checked(QueryStep, "text", text)  # pages post it raw
    query = DataQuery.objects.select_for_update().get(pk=query.pk)
    if query.status not in allowed_from:
        raise ValidationError({"status": [_cannot_move(query, action)]})
    query.status = to
    with pghistory.context(user=user.pk if user else None, reason=f"Query {action}"):
        query.save(update_fields=["status", "updated_at"])
        QueryStep.objects.create(query=query, action=action, text=text, by=user)
    return query


@transaction.atomic
def query_answer(*, user: User, query: DataQuery, text: str) -> DataQuery:
    """The site answers: it explains, or says which correction it made (audited with reason)."""
    if not user_can_answer_queries_at(user, query.patient.site):
        raise PermissionDenied(_("Queries are answered by a coordinator of the patient's site."))
    if not has_visible_text(text):
        raise ValidationError({"text": [_("Give the answer: the explanation or the correction.")]})
    return _move(
        query,
        user=user,
        to=DataQuery.Status.ANSWERED,
        action=QueryStep.Action.ANSWERED,
        text=text.strip(),
        allowed_from=(DataQuery.Status.OPEN,),
    )


@transaction.atomic
def query_close(*, user: User | None, query: DataQuery, text: str = "") -> DataQuery:
    if user is not None:
        _require(user_can_close_queries(user))
    return _move(
        query,
        user=user,
        to=DataQuery.Status.CLOSED,
        action=QueryStep.Action.CLOSED,
        text=text,
        allowed_from=(DataQuery.Status.OPEN, DataQuery.Status.ANSWERED),
    )


@transaction.atomic
def query_reopen(*, user: User, query: DataQuery, text: str) -> DataQuery:
    _require(user_can_close_queries(user))
    if not has_visible_text(text):
        raise ValidationError({"text": [_("Say why the query is re-opened.")]})
    return _move(
        query,
        user=user,
        to=DataQuery.Status.OPEN,
        action=QueryStep.Action.REOPENED,
        text=text.strip(),
        allowed_from=(DataQuery.Status.ANSWERED, DataQuery.Status.CLOSED),
    )


# --- Source-data verification ----------------------------------------------------------


@transaction.atomic
def record_verify(*, user: User, record: Model, field_name: str = "") -> SourceVerification:
    """A monitor marks a record (or field) verified against the source document."""
    _require(user_can_verify_source(user))
    reference = _reference(record, field_name)
    if not user_can_verify_source_at(user, reference["patient"].site):
        raise PermissionDenied(_("Monitors verify the sites they are assigned to."))
    stored = type(record)._default_manager.get(pk=record.pk)  # as stored, not as passed
    with pghistory.context(user=user.pk, reason="Source-data verification"):
        return SourceVerification.objects.create(
            **reference,
            verified_by=user,
            fingerprint=fingerprint(record_values(stored, field_name)),
        )


# --- Signatures -------------------------------------------------------------------------


def casebook_sign(
    *, user: User, patient: Patient, password: str, request: HttpRequest
) -> Signature:
    """The investigator signs the casebook after re-entering their password.

    The password goes through authenticate() outside any transaction, so a failed attempt
    is logged and counts towards the account lockout like any log-in.
    """
    if not user_can_sign_casebook(user, patient.site):
        raise PermissionDenied(_("An investigator of the patient's site signs the casebook."))
    if authenticate(request, username=user.get_username(), password=password) != user:
        raise ValidationError({"password": [_("Wrong password: the casebook was not signed.")]})
    with transaction.atomic(), pghistory.context(user=user.pk, reason=Signature.MEANING):
        return Signature.objects.create(
            patient=patient,
            signed_by=user,
            signer_name=user.get_full_name() or user.username,
            fingerprint=casebook_fingerprint(patient),
        )
