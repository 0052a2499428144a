"""POST /api/v1/patients/{study_id}/randomize/ and GET /api/v1/randomizations/."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import user_can_enter_data_at
from api.base import RecordFilters
from api.lists import ScopedListApi
from patients.selectors import patient_get_for
from randomization import services
from randomization.blinding import allocation_position_visible_to, arms_visible_to
from randomization.models import Randomization
from randomization.serializers import (
    RandomizationListOutput,
    RandomizationOutput,
    RandomizeInput,
)


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


_LIST_DESCRIPTION = (
    "Randomizations given (regimen, stratum, when, by whom). The arm only for the accounts "
    "that may read results by arm (the statistician and the data monitoring committee; the "
    "sponsor once the trial is unblinded), and each such reading is recorded; the position "
    "in the stratum only for the unblinded roles. Allocations not yet used are never shown."
)


@extend_schema(
    summary="List randomizations",
    description=_LIST_DESCRIPTION,
    parameters=RecordFilters.parameters("randomized_at__date", "randomized_at"),
    tags=["randomization"],
)
class RandomizationListApi(ScopedListApi):
    model = Randomization
    serializer_class = RandomizationListOutput
    date_field = "randomized_at__date"
    updated_field = "randomized_at"
    related = ("patient", "patient__site", "stratum", "randomized_by")
    arms_visible = False  # asked once per request (randomization.blinding)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.arms_visible = arms_visible_to(self.request.user)
        response = super().list(request, *args, **kwargs)
        if self.arms_visible:  # as viewings of the allocation sequence are
            services.arms_viewing_record(user=self.request.user, what="randomization list (API)")
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "arms_visible": self.arms_visible,
            "position_visible": allocation_position_visible_to(self.request.user),
        }
