"""What every API endpoint shares: one shape for errors."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission


def exception_handler(exc, context):
    """Answer a service's ValidationError as a 400 with its field errors, like DRF's own."""
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class IdCursorPagination(CursorPagination):
    """Cursor pagination in creation order: stable while rows are added during a pull."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 1000


class DataEntryOrReadOnly(BasePermission):
    """Reads for every signed-in role; writes refused (403, before any input is read) to the
    all-sites roles, which never enter data. A site-bound role is judged on the patient's
    site once the patient is found, so another site's patient stays a 404."""

    message = "Your role may read these data but not change them."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.can_enter_data or user.is_site_bound


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
                if abs(moment.utcoffset()) > MAX_UTC_OFFSET:  # no time zone is that far out
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
