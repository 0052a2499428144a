"""The data cuts through the API: the list and one cut to the roles that follow them; the
package to those that may read results by arm, checked against its SHA-256 as the page does."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.views import APIView

from accounts.permissions import user_can_list_data_cuts
from datacuts import selectors, services
from datacuts.models import DataCut


class DataCutOutput(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.staff_id", read_only=True)

    class Meta:
        model = DataCut
        fields = [
            "id",
            "label",
            "cutoff",
            "strata_factors",
            "status",
            "requested_by",
            "requested_at",
            "frozen_at",
            "fingerprint",
            "code_version",
            "size",
            "sha256",
            "error",
        ]


class _FollowsDataCuts:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not user_can_list_data_cuts(request.user):
            raise PermissionDenied("Your role does not follow the data cuts.")


@extend_schema(tags=["datacuts"])
class DataCutListApi(_FollowsDataCuts, generics.ListAPIView):
    """Data cuts, newest first: label, cut-off, state, fingerprint, code version, SHA-256."""

    serializer_class = DataCutOutput

    def get_queryset(self):
        return selectors.data_cuts()


@extend_schema(tags=["datacuts"])
class DataCutDetailApi(_FollowsDataCuts, generics.RetrieveAPIView):
    """One data cut."""

    serializer_class = DataCutOutput

    def get_queryset(self):
        return selectors.data_cuts()


class DataCutDownloadApi(_FollowsDataCuts, APIView):
    """A frozen cut's package (zip), for the accounts that may read results by arm; 409 if
    the stored package no longer has the SHA-256 recorded at freezing (nothing served)."""

    @extend_schema(
        tags=["datacuts"],
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="Results by arm are confidential to this role."),
            409: OpenApiResponse(description="The package was altered since freezing."),
        },
    )
    def get(self, request, pk: int):
        cut = get_object_or_404(DataCut, pk=pk)
        content = services.data_cut_package_read(cut=cut, user=request.user)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{cut.filename}"'
        response["X-Package-SHA256"] = cut.sha256
        return response
