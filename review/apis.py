"""The data review through the API: the same services and rules as the pages."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import (
    user_can_answer_queries,
    user_can_close_queries,
    user_can_lock_data,
    user_can_raise_queries,
    user_can_sign_casebooks,
    user_can_verify_source,
)
from accounts.selectors import sites_visible_to
from api.lists import PatientRecordSerializer, scoped_list_api
from locks.models import DataLock
from locks.selectors import active_lock
from locks.services import data_lock, data_unlock
from patients.selectors import patient_get_for
from review import selectors, services
from review.fingerprints import casebook_records
from review.models import DataQuery, QueryStep

_REFUSED = {
    400: OpenApiResponse(description="Field errors, or the step is not allowed now."),
    403: OpenApiResponse(description="Your role may not take this step."),
    404: OpenApiResponse(description="No such record among those you may see."),
}


class QueryOutput(PatientRecordSerializer):
    record_type = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = DataQuery
        fields = [
            "id",
            "study_id",
            "site",
            "record_type",
            "object_id",
            "field_name",
            "kind",
            "check_code",
            "text",
            "status",
            "raised_at",
            "updated_at",
            "steps",
        ]

    def get_record_type(self, query: DataQuery) -> str:
        return f"{query.content_type.app_label}.{query.content_type.model}"

    def get_steps(self, query: DataQuery) -> list[dict]:
        return [
            {
                "action": s.action,
                "text": s.text,
                "by": s.by.display_name if s.by else None,
                "at": s.at.isoformat(),
            }
            for s in query.steps.all()
        ]


QueryListApi = scoped_list_api(
    name="QueryListApi",
    model=DataQuery,
    serializer=QueryOutput,
    date_field="raised_at__date",
    related=("patient", "patient__site", "content_type"),
    description="Data queries (discrepancies) at the sites you may see, with every step.",
    # Every step and its author in one more query for the page, not two per query.
    computed=lambda queries: queries.prefetch_related(
        Prefetch("steps", queryset=QueryStep.objects.select_related("by"))
    ),
)


def _bound(model, name: str) -> int:
    """The max_length the model declares for a text field: serializers state the same."""
    return model._meta.get_field(name).max_length


class RecordReferenceInput(serializers.Serializer):
    record_type = serializers.CharField(
        max_length=100, help_text="app_label.model, e.g. visits.treatmentcycle"
    )
    record_id = serializers.IntegerField()
    # The input is called field_name, as DRF's Field calls its own name: hence the ignore.
    field_name = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, default="", max_length=_bound(DataQuery, "field_name")
    )


class QueryRaiseInput(RecordReferenceInput):
    text = serializers.CharField(max_length=_bound(DataQuery, "text"))


class StepInput(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_bound(QueryStep, "text")
    )


class UnlockInput(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=_bound(DataLock, "unlock_reason"),
        help_text="Why the data are unlocked (kept in the audit trail).",
    )


def _record(patient, reference: dict):
    """The record named by type and id, only among this patient's casebook."""
    try:
        model = apps.get_model(reference["record_type"])
    except (LookupError, ValueError):
        raise ValidationError({"record_type": ["Not a kind of record."]}) from None
    for record in casebook_records(patient):
        if isinstance(record, model) and record.pk == reference["record_id"]:
            return record
    raise ValidationError({"record_id": ["No such record in this patient's casebook."]})


class QueryRaiseApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_raise_queries(user)

    @extend_schema(
        tags=["data review"], request=QueryRaiseInput, responses={201: QueryOutput, **_REFUSED}
    )
    def post(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        data = QueryRaiseInput(data=request.data)
        data.is_valid(raise_exception=True)
        query = services.query_raise(
            user=request.user,
            record=_record(patient, data.validated_data),
            field_name=data.validated_data["field_name"],
            text=data.validated_data["text"],
        )
        return Response(QueryOutput(query).data, status=status.HTTP_201_CREATED)


class QueryStepApi(APIView):
    STEPS = {
        "answer": services.query_answer,
        "close": services.query_close,
        "reopen": services.query_reopen,
    }

    def may_write(self, user) -> bool:
        if self.kwargs.get("action") == "answer":
            return user_can_answer_queries(user)
        return user_can_close_queries(user)  # close, re-open (any other step is a 404)

    @extend_schema(
        tags=["data review"], request=StepInput, responses={200: QueryOutput, **_REFUSED}
    )
    def post(self, request, pk: int, action: str):
        if action not in self.STEPS:
            raise Http404("No such step.")
        query = get_object_or_404(
            DataQuery.objects.filter(patient__site__in=sites_visible_to(request.user)), pk=pk
        )
        data = StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        query = self.STEPS[action](user=request.user, query=query, text=data.validated_data["text"])
        return Response(QueryOutput(query).data)


class SignInput(serializers.Serializer):
    password = serializers.CharField(style={"input_type": "password"})


class ReviewStateApi(APIView):
    """A patient's review state: verification progress, signature, lock."""

    @extend_schema(tags=["data review"], responses={200: dict})
    def get(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        verified, total = selectors.sdv_progress(patient)
        signature = selectors.signature_state(patient)
        lock = active_lock(patient)
        return Response(
            {
                "study_id": patient.study_id,
                "sdv": {"verified_and_unchanged": verified, "records": total},
                "signature": None
                if signature.signature is None
                else {
                    "signer": signature.signature.signed_by.display_name,
                    "signed_at": signature.signature.signed_at.isoformat(),
                    "meaning": signature.signature.meaning,
                    "valid": signature.valid,
                },
                "lock": None
                if lock is None
                else {
                    "id": lock.pk,
                    "reason": lock.reason,
                    "locked_at": lock.locked_at.isoformat(),
                },
            }
        )


class VerifyApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_verify_source(user)

    @extend_schema(
        tags=["data review"],
        request=RecordReferenceInput,
        responses={201: OpenApiResponse(description="Verified."), **_REFUSED},
    )
    def post(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        data = RecordReferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        verification = services.record_verify(
            user=request.user,
            record=_record(patient, data.validated_data),
            field_name=data.validated_data["field_name"],
        )
        return Response({"verified": verification.pk}, status=status.HTTP_201_CREATED)


class SignApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_sign_casebooks(user)

    @extend_schema(
        tags=["data review"],
        request=SignInput,
        responses={201: OpenApiResponse(description="Signed."), **_REFUSED},
    )
    def post(self, request, study_id: str):
        patient = patient_get_for(request.user, study_id)
        data = SignInput(data=request.data)
        data.is_valid(raise_exception=True)
        signature = services.casebook_sign(
            user=request.user,
            patient=patient,
            password=data.validated_data["password"],
            request=request._request,
        )
        return Response({"signature": signature.pk}, status=status.HTTP_201_CREATED)


class LockInput(serializers.Serializer):
    study_id = serializers.CharField(required=False, max_length=10)
    site = serializers.IntegerField(required=False)
    reason = serializers.CharField(max_length=_bound(DataLock, "reason"))


class LockApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_lock_data(user)

    @extend_schema(
        tags=["data review"],
        request=LockInput,
        responses={201: OpenApiResponse(description="Locked."), **_REFUSED},
    )
    def post(self, request):
        data = LockInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        patient = (
            patient_get_for(request.user, values["study_id"]) if values.get("study_id") else None
        )
        site = (
            get_object_or_404(sites_visible_to(request.user), number=values["site"])
            if values.get("site")
            else None
        )
        lock = data_lock(user=request.user, reason=values["reason"], patient=patient, site=site)
        return Response({"lock": lock.pk}, status=status.HTTP_201_CREATED)


class UnlockApi(APIView):
    def may_write(self, user) -> bool:
        return user_can_lock_data(user)

    @extend_schema(
        tags=["data review"],
        request=UnlockInput,
        responses={200: OpenApiResponse(description="Unlocked."), **_REFUSED},
    )
    def post(self, request, pk: int):
        lock = get_object_or_404(DataLock, pk=pk)
        data = UnlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        lock = data_unlock(user=request.user, lock=lock, reason=data.validated_data["text"])
        return Response({"unlocked": lock.pk})
