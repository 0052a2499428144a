"""The DMC report through the API: the JSON of one part at a cut-off. The closed part is
refused (403, nothing of it read) to every blinded role; each answer is recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from oversight import services
from oversight.dmc_report import dmc_report, dmc_report_allowed, report_json
from oversight.models import DmcReportGeneration, DmcReportPart


class DmcReportInput(serializers.Serializer):
    cutoff = serializers.DateField(required=False, help_text="Data cut-off; today if omitted.")
    part = serializers.ChoiceField(choices=DmcReportPart.choices, default=DmcReportPart.OPEN)

    def validate_cutoff(self, cutoff: dt.date) -> dt.date:
        if cutoff > timezone.localdate():
            raise serializers.ValidationError("The data cut-off cannot be in the future.")
        return cutoff


@extend_schema(
    tags=["oversight"],
    parameters=[
        OpenApiParameter("cutoff", OpenApiTypes.DATE, description="Data cut-off (today if none)."),
        OpenApiParameter("part", str, enum=DmcReportPart.values, description="open or closed."),
    ],
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="The report's part, as JSON."),
        400: OpenApiResponse(description="Field errors."),
        403: OpenApiResponse(
            description="The closed part to a blinded role; any part to a role that does "
            "not read the DMC report."
        ),
    },
)
class DmcReportApi(APIView):
    """One part of the DMC report at a cut-off; its generation is recorded."""

    request: AuthenticatedRequest

    def get(self, request: AuthenticatedRequest) -> Response:
        part = request.query_params.get("part") or DmcReportPart.OPEN
        dmc_report_allowed(request.user, part if part in DmcReportPart.values else "")
        data = DmcReportInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        cutoff = data.validated_data.get("cutoff") or timezone.localdate()
        content = dmc_report(user=request.user, cutoff=cutoff, part=data.validated_data["part"])
        generation = services.dmc_report_generation_record(
            user=request.user,
            cutoff=cutoff,
            part=data.validated_data["part"],
            channel=DmcReportGeneration.Channel.API,
            content=content,
        )
        body: dict[str, Any] = {
            **report_json(content),
            "generation": {
                "id": generation.pk,
                "generated_at": generation.generated_at.isoformat(),
                "fingerprint": generation.fingerprint,
            },
        }
        return Response(body)
