"""POST /api/v1/patients/{study_id}/randomize/"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import user_can_enter_data_at
from api.lists import scoped_list_api
from patients.selectors import patient_get_for
from randomization import services
from randomization.models import Randomization
from randomization.serializers import RandomizationOutput, RandomizeInput


class PatientRandomizeApi(APIView):
    """Randomize a patient: 201 with the allocation, 409 if already randomized."""

    conflict_output = RandomizationOutput  # the 409 shows the allocation already made

    @extend_schema(
        request=RandomizeInput,
        tags=["randomization"],
        responses={
            201: RandomizationOutput,
            400: OpenApiResponse(description="Field errors, or the patient may not be randomized."),
            403: OpenApiResponse(description="Your role or site may not randomize this patient."),
            404: OpenApiResponse(description="No such patient among those you may see."),
            409: OpenApiResponse(description="Already randomized: the existing allocation."),
        },
    )
    def post(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        if not user_can_enter_data_at(request.user, patient.site):
            raise PermissionDenied("Only a coordinator of this site can randomize its patients.")
        data = RandomizeInput(data=request.data)
        data.is_valid(raise_exception=True)
        randomization = services.patient_randomize(
            patient=patient, user=request.user, **data.validated_data
        )
        return Response(RandomizationOutput(randomization).data, status=status.HTTP_201_CREATED)


class RandomizationListOutput(RandomizationOutput):
    site = serializers.IntegerField(source="patient.site.number")

    class Meta(RandomizationOutput.Meta):
        fields = ["id", "study_id", "site", *RandomizationOutput.Meta.fields[1:]]


RandomizationListApi = scoped_list_api(
    name="RandomizationListApi",
    model=Randomization,
    serializer=RandomizationListOutput,
    date_field="randomized_at__date",
    updated_field="randomized_at",
    related=("patient", "patient__site", "stratum", "randomized_by"),
    description="Randomizations given (arm, regimen, stratum, position). Allocations not yet "
    "used are never shown.",
)
