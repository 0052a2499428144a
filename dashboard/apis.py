"""The patient endpoints: read a patient, correct the screening with its consequences, read
the patient's audit trail.

Kept above the patients app because a correction of a randomized patient's screening
reaches the layers above it (see dashboard.services.screening_correct), and the audit trail
is read as the randomization's blinding allows (dashboard.selectors.patient_history_for).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import user_can_enter_data_at
from dashboard.selectors import patient_history_for
from dashboard.services import screening_correct
from patients.apis import NOT_FOUND
from patients.selectors import patient_get_for
from patients.serializers import HistoryEntryOutput, PatientOutput, ScreeningUpdateInput


class PatientDetailApi(APIView):
    """One patient; PATCH corrects the screening and requires a `reason` and the `version`
    read."""

    serializer_class = PatientOutput

    @extend_schema(tags=["patients"], responses={200: PatientOutput, 404: NOT_FOUND})
    def get(self, request, study_id: str):
        return Response(PatientOutput(patient_get_for(request.user, study_id)).data)

    @extend_schema(
        tags=["patients"],
        request=ScreeningUpdateInput,
        responses={
            200: PatientOutput,
            400: OpenApiResponse(
                description="Field errors; `reason` or `version` missing; `version` stale "
                "(someone saved a correction since you read it). Nothing saved."
            ),
            403: OpenApiResponse(description="Your role or site may not correct this patient."),
            404: NOT_FOUND,
        },
    )
    def patch(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        if not user_can_enter_data_at(request.user, patient.site):
            raise PermissionDenied("Only a coordinator of this site can correct its data.")
        data = ScreeningUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        answers = values.pop("answers", None)
        version = values.pop("version")
        screening_correct(
            patient=patient,
            user=request.user,
            reason=reason,
            changes=values,
            answers=answers,
            version=version,
        )
        return Response(PatientOutput(patient_get_for(request.user, study_id)).data)


class PatientHistoryApi(APIView):
    """The patient's audit trail: who changed which field, from what to what, and why."""

    @extend_schema(
        tags=["patients"], responses={200: HistoryEntryOutput(many=True), 404: NOT_FOUND}
    )
    def get(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        entries = patient_history_for(request.user, patient)
        return Response(HistoryEntryOutput(entries, many=True).data)
