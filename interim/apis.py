"""The interim analyses through the API: read-only, for the unblinded roles only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import user_can_view_interim_analyses
from interim import selectors
from interim.models import InterimLook, InterimPlan
from interim.selectors import LookRow
from interim.views import REFUSED


class InterimPlanOutput(serializers.ModelSerializer):
    declared_by = serializers.CharField(source="declared_by.display_name")

    class Meta:
        model = InterimPlan
        fields = [
            "version",
            "planned_deaths",
            "planned_fractions",
            "spending",
            "alpha",
            "sided",
            "reason",
            "declared_by",
            "declared_at",
        ]


class InterimLookOutput(serializers.Serializer):
    number = serializers.IntegerField(source="look.number")
    cutoff = serializers.DateField(source="look.cutoff")
    analysis_run = serializers.IntegerField(source="look.analysis_run_id")
    deaths = serializers.IntegerField(source="look.deaths")
    information_fraction = serializers.FloatField(source="look.information_fraction")
    final = serializers.BooleanField(source="look.final")
    critical_value = serializers.FloatField(
        allow_null=True, help_text="z boundary (negated too when two-sided); null: infinite."
    )
    nominal_p = serializers.FloatField(source="boundary.nominal_p", help_text="One-sided.")
    cumulative_alpha = serializers.FloatField(source="boundary.cumulative_alpha")
    logrank_z = serializers.FloatField(
        source="look.logrank_z", help_text="Positive: benefit of dexamethasone."
    )
    strata_factors = serializers.ListField(
        child=serializers.CharField(), source="look.strata_factors"
    )
    verdict = serializers.ChoiceField(choices=InterimLook.Verdict.choices, source="look.verdict")
    crossed = serializers.BooleanField()


class InterimAnalysesOutput(serializers.Serializer):
    plan = InterimPlanOutput(allow_null=True)
    looks = InterimLookOutput(many=True)


class InterimAnalysesApi(APIView):
    """The interim analysis plan in force and the looks taken, with their boundaries."""

    @extend_schema(
        tags=["interim"],
        responses={
            200: InterimAnalysesOutput,
            403: OpenApiResponse(description="Blinded roles: the looks compare the arms."),
        },
    )
    def get(self, request: Request) -> Response:
        if not user_can_view_interim_analyses(request.user):
            raise PermissionDenied(REFUSED)
        overview = selectors.interim_overview()
        looks: list[LookRow] = overview.looks
        return Response(InterimAnalysesOutput({"plan": overview.plan, "looks": looks}).data)
