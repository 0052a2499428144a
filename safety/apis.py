"""API of the SAE reports: read them with their versions and clock (scoped by site), and
write through the same services as the pages: save a draft, submit it with the password,
start a follow-up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.permissions import (
    user_can_report_sae_at,
    user_can_report_saes,
    user_can_submit_sae,
    user_can_submit_saes,
)
from api.base import IdCursorPagination
from protocol.safety import SaeCausality, SaeOutcome
from randomization.blinding import arms_visible_to
from safety import selectors, services
from safety.clock import SaeClock
from safety.models import SaeReport, SaeReportVersion
from visits.models import AdverseEvent

_TAGS = ["safety"]
_REFUSED = {
    400: OpenApiResponse(description="Field errors: nothing was saved."),
    403: OpenApiResponse(description="Your role may not write this site's SAE reports."),
    404: OpenApiResponse(description="No such SAE report among those you may see."),
}


class SaeClockOutput(serializers.Serializer):
    status = serializers.CharField()
    text = serializers.CharField()
    due_at = serializers.DateTimeField()
    due_local = serializers.CharField(source="due_local_text")
    due_utc = serializers.CharField(source="due_utc_text")
    minutes_left = serializers.SerializerMethodField(
        help_text="Minutes before the deadline (negative once past it) while not submitted."
    )

    def get_minutes_left(self, clock: SaeClock) -> int | None:
        return None if clock.is_submitted else int(clock.margin.total_seconds() // 60)


class SaeVersionOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="label", help_text="initial report, follow-up n")
    submitted_by = serializers.SerializerMethodField()
    submitted_late_by_minutes = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=SaeOutcome.choices, allow_blank=True)

    class Meta:
        model = SaeReportVersion
        fields = [
            "id",
            "number",
            "name",
            "status",
            "version",
            *services.CONTENT_FIELDS,
            "submitted_at",
            "submitted_by",
            "signer_name",
            "fingerprint",
            "submitted_late_by_minutes",
        ]

    def to_representation(self, instance: SaeReportVersion) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("arms_withheld"):
            # "Not given" dexamethasone tells a control-arm patient: in a list of many
            # patients' reports it is withheld from a reader blinded to the arms, as the
            # adverse events' relatedness to dexamethasone is (visits/serializers.py).
            data.pop("dexamethasone_causality", None)
        return data

    def get_submitted_by(self, version: SaeReportVersion) -> str | None:
        return version.submitted_by.display_name if version.submitted_by else None

    def get_submitted_late_by_minutes(self, version: SaeReportVersion) -> int | None:
        late = version.submitted_late_by
        return int(late.total_seconds() // 60) if late else None


class SaeEventOutput(serializers.ModelSerializer):
    term = serializers.CharField(source="display_term")

    class Meta:
        model = AdverseEvent
        fields = ["id", "term", "grade", "onset_on", "resolved_on"]


class SaeReportOutput(serializers.ModelSerializer):
    study_id = serializers.CharField(source="patient.study_id")
    site = serializers.IntegerField(source="patient.site.number")
    adverse_event = SaeEventOutput()
    initial_due_at = serializers.DateTimeField()
    clock = serializers.SerializerMethodField()
    versions = SaeVersionOutput(many=True)

    class Meta:
        model = SaeReport
        fields = [
            "id",
            "study_id",
            "site",
            "adverse_event",
            "site_aware_at",
            "initial_due_at",
            "clock",
            "opened_automatically",
            "sponsor_received_at",
            "versions",
        ]

    @extend_schema_field(SaeClockOutput)
    def get_clock(self, report: SaeReport) -> dict[str, Any]:
        return dict(SaeClockOutput(selectors.report_clock(report)).data)


class SaeReportListApi(generics.ListAPIView):
    """SAE reports of the sites you may see, each with its versions and the 24-hour clock of
    its initial report (deadline in the trial's zone and UTC). A reader blinded to the arms
    gets no dexamethasone causality here ('not given' tells the control arm); one report
    (sae-reports/<id>/) has it."""

    request: AuthenticatedRequest
    serializer_class = SaeReportOutput
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.sae_reports_visible_to(self.request.user).prefetch_related(
            "versions__submitted_by"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        # Asked once per list, not per row.
        withheld = not arms_visible_to(self.request.user)
        return {**super().get_serializer_context(), "arms_withheld": withheld}

    @extend_schema(tags=_TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SaeReportDetailApi(APIView):
    @extend_schema(tags=_TAGS, responses={200: SaeReportOutput, 404: _REFUSED[404]})
    def get(self, request, pk: int):
        report = selectors.sae_report_get_for(request.user, pk)
        return Response(SaeReportOutput(report).data)


class SaeDraftInput(serializers.Serializer):
    """The fields to change in the draft (any subset), with the version you read."""

    version = serializers.IntegerField()
    site_aware_at = serializers.DateTimeField(required=False)
    results_in_death = serializers.BooleanField(required=False)
    life_threatening = serializers.BooleanField(required=False)
    hospitalisation = serializers.BooleanField(required=False)
    disability = serializers.BooleanField(required=False)
    congenital_anomaly = serializers.BooleanField(required=False)
    other_medically_important = serializers.BooleanField(required=False)
    narrative = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=4000
    )
    relevant_tests = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=1000
    )
    outcome = serializers.ChoiceField(choices=SaeOutcome.choices, required=False, allow_blank=True)
    dexamethasone_causality = serializers.ChoiceField(
        choices=SaeCausality.choices, required=False, allow_blank=True
    )
    amsacrine_causality = serializers.ChoiceField(
        choices=SaeCausality.choices, required=False, allow_blank=True
    )
    cytarabine_causality = serializers.ChoiceField(
        choices=SaeCausality.choices, required=False, allow_blank=True
    )
    azacitidine_causality = serializers.ChoiceField(
        choices=SaeCausality.choices, required=False, allow_blank=True
    )


class SaeSubmitInput(serializers.Serializer):
    version = serializers.IntegerField()
    password = serializers.CharField(trim_whitespace=False, max_length=256)


def _writable(request, pk: int, *, submitting: bool = False) -> SaeReport:
    """The report, if visible (else 404) and written by this account at its site (else 403),
    before any input is read."""
    report = selectors.sae_report_get_for(request.user, pk)
    site = report.patient.site
    allowed = user_can_submit_sae if submitting else user_can_report_sae_at
    if not allowed(request.user, site):
        raise PermissionDenied(services.SIGNERS_ONLY if submitting else services.WRITERS_ONLY)
    return report


def _writable_version(request, pk: int, *, submitting: bool = False) -> SaeReportVersion:
    """The version of a report the account may see and write (else 404 / 403)."""
    version = get_object_or_404(
        SaeReportVersion, pk=pk, report__in=selectors.sae_reports_visible_to(request.user)
    )
    _writable(request, version.report_id, submitting=submitting)
    return version


class SaeDraftApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_report_saes(user)

    @extend_schema(tags=_TAGS, request=SaeDraftInput, responses={200: SaeVersionOutput, **_REFUSED})
    def post(self, request, pk: int):
        """Save the draft of a report version (a coordinator or investigator of the site)."""
        draft = _writable_version(request, pk)
        data = SaeDraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version")
        saved = services.sae_draft_save(
            draft=draft, user=request.user, values=values, version=version
        )
        saved.refresh_from_db()
        return Response(SaeVersionOutput(saved).data)


class SaeSubmitApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_submit_saes(user)

    @extend_schema(
        tags=_TAGS, request=SaeSubmitInput, responses={200: SaeVersionOutput, **_REFUSED}
    )
    def post(self, request, pk: int):
        """Sign and submit a version: an investigator of the site, password re-entered."""
        draft = _writable_version(request, pk, submitting=True)
        data = SaeSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        submitted = services.sae_submit(
            draft=draft,
            user=request.user,
            password=data.validated_data["password"],
            version=data.validated_data["version"],
            request=request._request,
        )
        return Response(SaeVersionOutput(submitted).data)


class SaeFollowUpApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_report_saes(user)

    @extend_schema(tags=_TAGS, request=None, responses={201: SaeVersionOutput, **_REFUSED})
    def post(self, request, pk: int):
        """Start the next follow-up report, a copy of the last submitted version."""
        report = _writable(request, pk)
        follow_up = services.sae_follow_up_start(report=report, user=request.user)
        return Response(SaeVersionOutput(follow_up).data, status=status.HTTP_201_CREATED)
