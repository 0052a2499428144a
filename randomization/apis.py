"""POST /api/v1/patients/{study_id}/randomize/"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from randomization import services
from randomization.serializers import RandomizationOutput, RandomizeInput
from trialsite.accounts.selectors import user_can_enter_data_at
from trialsite.patients.selectors import patient_get_for


class PatientRandomizeApi(APIView):
    """Randomize a patient: 201 with the allocation, 409 if already randomized."""

    def post(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        if not user_can_enter_data_at(request.user, patient.site):
            raise PermissionDenied("Only a coordinator of this site can randomize its patients.")
        data = RandomizeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            randomization = services.patient_randomize(patient=patient, user=request.user,
                                                       **data.validated_data)
        except services.AlreadyRandomized as exc:
            return Response({"detail": str(exc),
                             "randomization": RandomizationOutput(exc.randomization).data},
                            status=status.HTTP_409_CONFLICT)
        return Response(RandomizationOutput(randomization).data,
                        status=status.HTTP_201_CREATED)
