"""The sponsor's safety desk through the API: assessments and SUSARs read by the roles that
follow SAEs trial-wide; the assessment and the report to the regulators written by
pharmacovigilance, through the same services as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.permissions import user_can_assess_saes, user_can_view_sponsor_safety
from api.base import RecordFilters
from api.lists import ScopedListApi
from audit.records import REASON_MAX_LENGTH
from pharmacovigilance import selectors, services
from pharmacovigilance.classification import Expectedness, SponsorCausality
from pharmacovigilance.models import (
    COMMENT_MAX_LENGTH,
    REASON_LENGTH,
    Regulator,
    SponsorAssessment,
    Susar,
)
from pharmacovigilance.views import ONLY_SPONSOR_SAFETY
from protocol.safety import SuspectDrug
from randomization.blinding import arms_visible_to

_REFUSED = {
    400: OpenApiResponse(description="Field errors: nothing was saved."),
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="No such SAE report or SUSAR."),
}


def _require_viewer(user) -> None:
    if not user_can_view_sponsor_safety(user):
        raise PermissionDenied(ONLY_SPONSOR_SAFETY)


def _treatment_context(user) -> dict[str, bool]:
    """Whether the rows may show dexamethasone, the DEX arm's treatment: pharmacovigilance
    (it needs each case's treatment for causality) and the roles that may see arms."""
    return {"treatment_visible": user_can_assess_saes(user) or arms_visible_to(user)}


# --- Output ---------------------------------------------------------------------------------


class DrugAssessmentOutput(serializers.Serializer):
    drug = serializers.CharField()
    investigator_causality = serializers.CharField(help_text="As the site reported it.")
    sponsor_causality = serializers.CharField()
    sponsor_disagreement = serializers.CharField()
    rsi_document = serializers.CharField(source="rsi.document")
    rsi_effective_from = serializers.DateField(source="rsi.effective_from")
    proposed_expectedness = serializers.CharField()
    expectedness = serializers.CharField()
    expectedness_override = serializers.CharField()


class AssessmentOutput(serializers.ModelSerializer):
    sae_report = serializers.IntegerField(source="report_id")
    study_id = serializers.CharField(source="report.patient.study_id")
    site = serializers.IntegerField(source="report.patient.site.number")
    assessed_by = serializers.CharField(source="assessed_by.display_name")
    drugs = serializers.SerializerMethodField(
        help_text="Each suspect drug. Dexamethasone (the DEX arm's treatment) only for "
        "pharmacovigilance and the roles that may see arms (results by arm stay confidential)."
    )
    susar = serializers.SerializerMethodField()

    class Meta:
        model = SponsorAssessment
        fields = [
            "id",
            "sae_report",
            "study_id",
            "site",
            "assessed_version",
            "fatal_or_life_threatening",
            "comment",
            "assessed_at",
            "assessed_by",
            "version",
            "updated_at",
            "drugs",
            "susar",
        ]

    @extend_schema_field(DrugAssessmentOutput(many=True))
    def get_drugs(self, assessment: SponsorAssessment) -> list:
        shown = [
            row
            for row in assessment.drugs.all()
            if row.drug != SuspectDrug.DEXAMETHASONE or self.context.get("treatment_visible")
        ]
        return list(DrugAssessmentOutput(shown, many=True).data)

    def get_susar(self, assessment: SponsorAssessment) -> int | None:
        susar = getattr(assessment, "susar", None)
        return susar.pk if susar is not None else None


class DeadlineOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="initial or follow_up")
    day = serializers.IntegerField(help_text="Calendar days from the sponsor's first knowledge.")
    due_on = serializers.DateField(help_text="The day, in Europe/Paris.")
    due_at = serializers.DateTimeField(help_text="The end of that day (Europe/Paris).")
    state = serializers.CharField(help_text="running, due_soon, overdue, reported, reported_late")


class SusarOutput(serializers.ModelSerializer):
    sae_report = serializers.IntegerField(source="assessment.report_id")
    study_id = serializers.CharField(source="assessment.report.patient.study_id")
    site = serializers.IntegerField(source="assessment.report.patient.site.number")
    deadlines = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Susar
        fields = [
            "id",
            "sae_report",
            "study_id",
            "site",
            "classified_at",
            "sponsor_received_at",
            "fatal_or_life_threatening",
            "withdrawn_at",
            "deadlines",
            "overdue",
            "reported_at",
            "reported_to",
            "reference",
            "follow_up_reported_at",
            "follow_up_reference",
            "version",
            "updated_at",
        ]

    @extend_schema_field(DeadlineOutput(many=True))
    def get_deadlines(self, susar: Susar) -> list:
        clock = selectors.susar_clock(susar)
        return list(
            DeadlineOutput(
                [
                    {
                        "kind": d.kind.value,
                        "day": d.day,
                        "due_on": d.due_on,
                        "due_at": d.due_at,
                        "state": state.value,
                    }
                    for d, state, _ in clock.rows
                ],
                many=True,
            ).data
        )

    def get_overdue(self, susar: Susar) -> bool:
        return susar.withdrawn_at is None and selectors.susar_clock(susar).overdue


# --- Lists ----------------------------------------------------------------------------------


class _SponsorSafetyList(ScopedListApi):
    """A list for the roles that follow SAEs trial-wide (403 for any other)."""

    def get_queryset(self):
        _require_viewer(self.request.user)
        return super().get_queryset()


class _AssessmentInput(serializers.Serializer):
    suspect_drug = serializers.ChoiceField(choices=SuspectDrug.choices)
    sponsor_causality = serializers.ChoiceField(choices=SponsorCausality.choices)
    expectedness = serializers.ChoiceField(
        choices=Expectedness.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty: the RSI's proposal confirmed.",
    )
    expectedness_override = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_LENGTH
    )
    sponsor_disagreement = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_LENGTH
    )


class AssessmentInput(serializers.Serializer):
    sae_report = serializers.IntegerField()
    drugs = _AssessmentInput(many=True)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=COMMENT_MAX_LENGTH,
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="Required to revise an assessment (kept in the audit trail).",
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The assessment's version you read, to revise it.",
    )


@extend_schema(
    summary="List sponsor assessments",
    description="The sponsor's assessments of SAE reports, both causality opinions per drug.",
    parameters=RecordFilters.parameters("assessed_at__date", "updated_at"),
    tags=["pharmacovigilance"],
)
class AssessmentListApi(_SponsorSafetyList):
    """GET: every assessment, for the roles that follow SAEs trial-wide. POST:
    pharmacovigilance assesses (or revises, with a reason) the last submitted report."""

    model = SponsorAssessment
    serializer_class = AssessmentOutput
    site_path = "report__patient__site"
    date_field = "assessed_at__date"
    related = ("report__patient__site", "assessed_by", "susar")

    def may_write(self, user) -> bool:
        return user_can_assess_saes(user)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("drugs__rsi")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), **_treatment_context(self.request.user)}

    @extend_schema(
        summary="Assess an SAE report",
        tags=["pharmacovigilance"],
        request=AssessmentInput,
        responses={200: AssessmentOutput, **_REFUSED},
    )
    def post(self, request: AuthenticatedRequest):
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = selectors.sponsor_case_get_for(request.user, values["sae_report"])
        assessment = services.sae_assess(
            report=case.report,
            user=request.user,
            opinions=[
                services.DrugOpinion(drug=drug.pop("suspect_drug"), **drug)
                for drug in values["drugs"]
            ],
            comment=values["comment"],
            reason=values["reason"],
            expected_version=values["version"],
        )
        assessment = self.get_queryset().get(pk=assessment.pk)
        output = AssessmentOutput(assessment, context=_treatment_context(request.user))
        return Response(output.data, status=status.HTTP_200_OK)


@extend_schema(
    summary="List SUSARs",
    description="SUSARs with their regulatory deadlines from the sponsor's first knowledge.",
    parameters=RecordFilters.parameters("classified_at__date", "updated_at"),
    tags=["pharmacovigilance"],
)
class SusarListApi(_SponsorSafetyList):
    model = Susar
    serializer_class = SusarOutput
    site_path = "assessment__report__patient__site"
    date_field = "classified_at__date"
    related = ("assessment__report__patient__site",)


class RegulatorReportInput(serializers.Serializer):
    reported_at = serializers.DateTimeField()
    reported_to = serializers.ChoiceField(choices=Regulator.choices)
    reference = serializers.CharField(max_length=100)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SusarReportApi(APIView):
    """Pharmacovigilance records the SUSAR's report to the regulators: its clock stops."""

    def may_write(self, user) -> bool:
        return user_can_assess_saes(user)

    @extend_schema(
        summary="Record a SUSAR's report to the regulators",
        tags=["pharmacovigilance"],
        request=RegulatorReportInput,
        responses={200: SusarOutput, **_REFUSED},
    )
    def post(self, request: AuthenticatedRequest, pk: int):
        susar = selectors.susar_get_for(request.user, pk)
        data = RegulatorReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        susar = services.susar_report_record(
            susar=susar,
            user=request.user,
            reported_at=data.validated_data["reported_at"],
            reported_to=data.validated_data["reported_to"],
            reference=data.validated_data["reference"],
            expected_version=data.validated_data["version"],
        )
        return Response(SusarOutput(selectors.susar_get_for(request.user, susar.pk)).data)
