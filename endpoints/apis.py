"""Analysis runs through the API: results by arm only for the accounts that may read them
(randomization.blinding: the statistician and the data monitoring committee; the sponsor once
the trial is unblinded); the pooled figures for everyone else."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.base import RecordFilters
from endpoints.analysis import blinded_view
from endpoints.models import AnalysisRun
from randomization.blinding import arms_visible_to


class AnalysisRunOutput(serializers.ModelSerializer):
    results = serializers.SerializerMethodField(
        help_text="Pooled figures; by arm as well for the accounts that may read results by "
        "arm (the statistician, the data monitoring committee; the sponsor once the trial is "
        "unblinded)."
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
            "sent_at",
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
        # Asked once per request by the view; withheld when the context does not say.
        return run.results if self.context.get("arms_visible") else blinded_view(run.results)


@extend_schema(
    tags=["endpoints"], parameters=RecordFilters.parameters("cutoff", "updated_at", by_site=False)
)
class AnalysisRunListApi(generics.ListAPIView):
    """Survival analysis runs, newest last (cursor pagination by id)."""

    serializer_class = AnalysisRunOutput

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "arms_visible": self._arms_visible}

    @cached_property
    def _arms_visible(self) -> bool:
        return arms_visible_to(self.request.user)

    def get_queryset(self):
        return RecordFilters.apply(
            AnalysisRun.objects.all(),
            self.request.query_params,
            site_path=None,
            date_field="cutoff",
            updated_field="updated_at",
        )
