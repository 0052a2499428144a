"""The shape of every read-only list endpoint: scoped to the viewer's sites, filterable.

Kept apart from api/base.py, which DRF's settings import while DRF itself loads.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts.http import AuthenticatedRequest
from accounts.selectors import sites_visible_to
from api.base import RecordFilters


class ScopedListApi(generics.ListAPIView):
    request: AuthenticatedRequest
    model: type[Model]
    site_path = "patient__site"
    date_field: str | None = None
    updated_field: str | None = "updated_at"
    related: tuple[str, ...] = ("patient", "patient__site")
    # Adds the values each row computes when read (an adverse event's TEAE flag), if any.
    computed: Callable[[QuerySet], QuerySet] | None = None

    def get_queryset(self):
        queryset = self.model._default_manager.filter(
            **{f"{self.site_path}__in": sites_visible_to(self.request.user)}
        ).select_related(*self.related)
        if self.computed is not None:
            queryset = self.computed(queryset)
        return RecordFilters.apply(
            queryset,
            self.request.query_params,
            site_path=self.site_path,
            date_field=self.date_field,
            updated_field=self.updated_field,
        )


def scoped_list_api(
    *,
    name: str,
    model: type[Model],
    serializer: type[serializers.Serializer],
    date_field: str | None,
    updated_field: str | None = "updated_at",
    site_path: str = "patient__site",
    related: tuple[str, ...] = ("patient", "patient__site"),
    description: str = "",
    computed: Callable[[QuerySet], QuerySet] | None = None,
) -> type[ScopedListApi]:
    """Build a documented list endpoint for one kind of record."""
    doc = description or f"List {model._meta.verbose_name_plural}."
    attrs = {
        "model": model,
        "serializer_class": serializer,
        "date_field": date_field,
        "updated_field": updated_field,
        "site_path": site_path,
        "related": related,
        "computed": staticmethod(computed) if computed else None,
        "__doc__": doc,
    }
    view = type(name, (ScopedListApi,), attrs)
    return extend_schema(
        summary=f"List {model._meta.verbose_name_plural}",
        description=doc,
        parameters=RecordFilters.parameters(date_field, updated_field),
        tags=[model._meta.app_label],
    )(view)


class PatientRecordSerializer(serializers.ModelSerializer):
    """A record of one patient, named by study ID and site number, never by database ids."""

    study_id = serializers.CharField(source="patient.study_id", read_only=True)
    site = serializers.IntegerField(source="patient.site.number", read_only=True)
