"""What every API endpoint shares: one shape for errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission


def exception_handler(exc, context):
    """Answer a service's ValidationError as a 400 with its field errors, like DRF's own."""
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors":
                                                                        exc.messages}
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
