"""Analysis runs through the API: comparative results only for the unblinded statistician."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts.permissions import user_can_see_arms
from api.base import RecordFilters
from endpoints.analysis import blinded_view
from endpoints.models import AnalysisRun


class AnalysisRunOutput(serializers.ModelSerializer):
    results = serializers.SerializerMethodField(
        help_text="Pooled figures for blinded roles; by arm as well for the statistician."
    )
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "cutoff",
            "strata_factors",
            "status",
            "requested_at",
            "updated_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "attempts",
            "error",
            "fingerprint",
            "served_from",
            "results",
        ]

    def get_results(self, run: AnalysisRun) -> dict | None:
        if run.results is None:
            return None
        user = self.context["request"].user
        return run.results if user_can_see_arms(user) else blinded_view(run.results)


@extend_schema(
    tags=["endpoints"], parameters=RecordFilters.parameters("cutoff", "updated_at", by_site=False)
)
class AnalysisRunListApi(generics.ListAPIView):
    """Survival analysis runs, newest last (cursor pagination by id)."""

    serializer_class = AnalysisRunOutput

    def get_queryset(self):
        return RecordFilters.apply(
            AnalysisRun.objects.all(),
            self.request.query_params,
            site_path=None,
            date_field="cutoff",
            updated_field="updated_at",
        )
