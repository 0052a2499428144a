"""REST endpoints for patients and their screening; all writes go through services."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from api.base import RecordFilters
from patients import selectors, services
from patients.models import CriterionAnswer
from patients.serializers import (
    PatientOutput,
    PatientScreenInput,
)

NOT_FOUND = OpenApiResponse(description="No such patient among those you may see.")


@extend_schema_view(
    get=extend_schema(
        tags=["patients"],
        parameters=RecordFilters.parameters("screening__screened_on", "updated_at"),
    ),
    post=extend_schema(
        tags=["patients"],
        request=PatientScreenInput,
        responses={
            201: PatientOutput,
            400: OpenApiResponse(description="Field errors (nothing saved)."),
            403: OpenApiResponse(description="Only coordinators screen, at their sites."),
        },
    ),
)
class PatientListApi(generics.ListAPIView):
    """List the patients you may see (screen failures included); POST screens a new one."""

    request: AuthenticatedRequest
    serializer_class = PatientOutput

    def get_queryset(self):
        patients = selectors.patients_visible_to(self.request.user).prefetch_related(
            Prefetch("screening__answers", queryset=CriterionAnswer.objects.all())
        )
        return RecordFilters.apply(
            patients,
            self.request.query_params,
            site_path="site",
            date_field="screening__screened_on",
            updated_field="updated_at",
        )

    def post(self, request):
        data = PatientScreenInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        patient = services.patient_screen(
            site=values.pop("site"),
            user=request.user,
            sex=values.pop("sex"),
            year_of_birth=values.pop("year_of_birth"),
            answers=values.pop("answers"),
            screening=values,
        )
        patient = selectors.patient_get_for(request.user, patient.study_id)
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)
