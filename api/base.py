"""What every API endpoint shares: one shape for errors, pagination, filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from accounts.permissions import user_can_enter_data, user_is_site_bound
from accounts.selectors import sites_visible_to
from refusals import Conflict, field_errors_of


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer the domain's refusals, so no view catches them (refusals/__init__.py):

    a ValidationError (a Refused) is a 400 mapping each field to its messages, like DRF's
    own; PermissionDenied a 403 and Http404 a 404 with a `detail` (DRF's handler); a
    Conflict a 409 with its `detail` and, when the view names a `conflict_output`
    serializer, the record already there.
    """
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, Conflict):
        body: dict[str, Any] = {"detail": str(exc)}
        output = getattr(context.get("view"), "conflict_output", None)
        if output is not None and exc.existing is not None:
            body[exc.existing_name] = output(exc.existing).data
        set_rollback()
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=field_errors_of(exc))
    return drf_exception_handler(exc, context)


class IdCursorPagination(CursorPagination):
    """Cursor pagination in creation order: stable while rows are added during a pull.

    A page holds at most 200 rows (a larger page_size gets 200): a client pulls more by
    following `next`, so no request costs the server more than 200 rows' work."""

    ordering = "pk"
    page_size_query_param = "page_size"
    page_size_query_description = "Number of results to return per page (at most 200)."
    max_page_size = 200


class DataEntryOrReadOnly(BasePermission):
    """Reads for every signed-in role; a write only for a role that makes it, else 403
    before any input is read (an investigator's incomplete write is refused, not answered
    with field errors).

    A view's writes are data entry (the coordinator) unless the view names its own question
    of accounts.permissions as `may_write(user)` (the data manager raises queries, the
    monitor verifies). Another site's patient stays a 404 for a site-bound role, refused
    or not (its existence is not told); the views judge the site of a role that may write.
    """

    message = "Your role may read these data but not change them."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        may_write = getattr(view, "may_write", None)
        if may_write(user) if may_write is not None else user_can_enter_data(user):
            return True
        study_id = view.kwargs.get("study_id")
        if study_id is not None and user_is_site_bound(user) and not _sees_patient(user, study_id):
            raise Http404("No such patient.")
        return False


def _sees_patient(user, study_id: str) -> bool:
    """Whether the patient is among this account's sites' (named by app label: patients
    sit above this layer)."""
    patients = apps.get_model("patients", "Patient")._default_manager
    return patients.filter(study_id=study_id, site__in=sites_visible_to(user)).exists()


MAX_UTC_OFFSET = dt.timedelta(hours=14)


class RecordFilters:
    """The filters every list endpoint shares: site, date range and incremental pulls."""

    @staticmethod
    def parameters(
        date_field: str | None, updated_field: str | None, *, by_site: bool = True
    ) -> list:
        from drf_spectacular.types import OpenApiTypes
        from drf_spectacular.utils import OpenApiParameter

        params = (
            [OpenApiParameter("site", OpenApiTypes.INT, description="Only this site (its number).")]
            if by_site
            else []
        )
        if date_field:
            params += [
                OpenApiParameter(
                    "date_from",
                    OpenApiTypes.DATE,
                    description=f"Only records with {date_field} on or after.",
                ),
                OpenApiParameter(
                    "date_to",
                    OpenApiTypes.DATE,
                    description=f"Only records with {date_field} on or before.",
                ),
            ]
        if updated_field:
            params.append(
                OpenApiParameter(
                    "updated_since",
                    OpenApiTypes.DATETIME,
                    description=f"Incremental pull: only records whose {updated_field} is later "
                    "(ISO 8601 with time zone).",
                )
            )
        return params

    @staticmethod
    def apply(
        queryset,
        params,
        *,
        site_path: str | None,
        date_field: str | None,
        updated_field: str | None,
    ):
        """Filter the queryset; a malformed filter is a 400 naming the parameter."""
        from django.utils.dateparse import parse_date, parse_datetime

        errors = {}
        if params.get("site") and site_path:
            site = params["site"]
            if not (site.isascii() and site.isdigit() and len(site) <= 4):
                errors["site"] = ["A site number, e.g. 3."]
            else:
                queryset = queryset.filter(**{f"{site_path}__number": int(site)})
        for name, lookup in (("date_from", "gte"), ("date_to", "lte")):
            if params.get(name) and date_field:
                try:
                    day = parse_date(params[name]) if len(params[name]) == 10 else None
                except ValueError:  # well-formed but impossible, e.g. 2025-02-30
                    day = None
                if day is None:
                    errors[name] = ["A date as YYYY-MM-DD."]
                else:
                    queryset = queryset.filter(**{f"{date_field}__{lookup}": day})
        if params.get("updated_since") and updated_field:
            try:
                moment = parse_datetime(params["updated_since"])
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                offset = moment.utcoffset() or dt.timedelta()
                if abs(offset) > MAX_UTC_OFFSET:  # no time zone is that far out
                    moment = None
                else:
                    try:  # compared in UTC: PostgreSQL refuses some offsets Python accepts
                        moment = moment.astimezone(dt.UTC)
                    except (OverflowError, ValueError):
                        moment = None
            if moment is None or moment.tzinfo is None:
                errors["updated_since"] = [
                    "An ISO 8601 date-time with its time zone, e.g. 2025-06-01T00:00:00Z."
                ]
            else:
                queryset = queryset.filter(**{f"{updated_field}__gt": moment})
        if errors:
            raise exceptions.ValidationError(errors)
        return queryset
