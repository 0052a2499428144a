"""Write endpoints for the coordinator's records: the pages' forms, through the same services.

POST   /api/v1/patients/{study_id}/{kind}/            record (cycles, responses, ...)
PATCH  /api/v1/patients/{study_id}/{kind}/{id}/       correct (version and reason required)
PATCH  /api/v1/patients/{study_id}/{kind}/            correct a one-per-patient record
POST   /api/v1/patients/{study_id}/follow-up-visits/M{month}/        record a visit
POST   /api/v1/patients/{study_id}/follow-up-visits/M{month}/miss/   mark it missed
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Field, Model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import user_can_enter_data_at
from audit.records import REASON_MAX_LENGTH
from patients.selectors import patient_get_for
from visits import crfs, services
from visits import serializers as outputs
from visits.forms import CHANGE_REASON, CHANGE_REASON_BESIDE_OWN, change_reason_name
from visits.models import AdverseEvent, FollowUpVisit, OffStudy
from visits.records import RECORD_KINDS, RecordKind
from visits.services.entry import Saved

_ERRORS = {
    400: OpenApiResponse(
        description="Field errors: a protocol rule refused the values, the "
        "version is stale or the reason is missing. Nothing saved."
    ),
    403: OpenApiResponse(description="Only a coordinator of the patient's site enters data."),
    404: OpenApiResponse(description="No such patient or record among those you may see."),
}


# What a response recorded without a timepoint gets (visits/timepoints.py).
TIMEPOINT_DEFAULT = (
    "Which assessment this is. When omitted, the one the patient's course expects on "
    "assessed_on: the protocol evaluation if it is not recorded yet and is due (end_of_induction "
    "for intensive chemotherapy, after cycle 1 has ended and from day 21 of induction, so a "
    "day-14 marrow is unscheduled; post_cycle_3 for azacitidine, once cycle 3 is completed); "
    "later_cycle on treatment after it; follow_up from the end of treatment or allo-HSCT; "
    "otherwise unscheduled. A timepoint the course does not allow is refused."
)


def _editable_patient(request, study_id: str):
    patient = patient_get_for(request.user, study_id)
    if not user_can_enter_data_at(request.user, patient.site):
        raise PermissionDenied("Only a coordinator of this site can enter its data.")
    return patient


def _input_serializer(kind: RecordKind, *, correcting: bool) -> type[serializers.Serializer]:
    fields: dict = {}
    if kind.name == "off-study":
        fields["fatal_adverse_event"] = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Id of the adverse event that caused the death (it becomes grade 5).",
        )
        if correcting:
            fields["previous_fatal_event_grade"] = serializers.IntegerField(
                required=False,
                allow_null=True,
                min_value=1,
                max_value=4,
                help_text="True grade of the event the death is no longer attributed to.",
            )
    if correcting:
        fields["version"] = serializers.IntegerField(
            help_text="The version you read; a later save by someone else refuses yours."
        )
        fields["reason"] = serializers.CharField(
            max_length=REASON_MAX_LENGTH, help_text="Why the saved data change."
        )
    methods = {}
    if correcting and change_reason_name(kind.form) == CHANGE_REASON_BESIDE_OWN:
        own_reason_fields, methods["validate"] = _beside_own_reason(kind)
        fields.update(own_reason_fields)
    entered = kind.form.entered_fields  # as declared in visits/crfs.py
    meta: dict = {"model": kind.form.model, "fields": [*entered, *fields]}
    if kind.form is crfs.RESPONSE and not correcting:
        meta["extra_kwargs"] = {"timepoint": {"required": False, "help_text": TIMEPOINT_DEFAULT}}
    fields["Meta"] = type("Meta", (), meta)
    prefix = "".join(part.capitalize() for part in kind.name.split("-"))
    name = f"{prefix}{'Correction' if correcting else 'Entry'}Input"
    return type(name, (serializers.ModelSerializer,), {**fields, **methods})


def _beside_own_reason(kind: RecordKind) -> tuple[dict, Callable[..., dict]]:
    """The correction's fields of a record with a reason of its own (end of treatment, off
    study): `reason_for_change` says why, and `reason` is then the record's own reason.

    Without `reason_for_change`, `reason` is the reason for change, as it always was for
    every record: a client written before keeps working, and the record's reason is left
    as it is."""
    field = kind.model._meta.get_field(CHANGE_REASON)
    assert isinstance(field, Field) and field.choices  # a choice of the record's (visits/crfs.py)
    own = serializers.ChoiceField(list(field.choices))

    def validate(self, attrs: dict) -> dict:
        if CHANGE_REASON_BESIDE_OWN not in attrs:
            attrs[CHANGE_REASON_BESIDE_OWN] = attrs.pop(CHANGE_REASON, "")
        elif CHANGE_REASON in attrs:
            try:
                attrs[CHANGE_REASON] = own.run_validation(attrs[CHANGE_REASON])
            except serializers.ValidationError as refused:
                raise serializers.ValidationError({CHANGE_REASON: refused.detail}) from refused
        return attrs

    choices = ", ".join(str(value) for value in own.choices)
    fields = {
        CHANGE_REASON: serializers.CharField(
            required=False,
            max_length=REASON_MAX_LENGTH,
            help_text=f"With reason_for_change: the record's own reason ({choices}). Without "
            "it: the reason for change, and the record's reason stays as it is.",
        ),
        CHANGE_REASON_BESIDE_OWN: serializers.CharField(
            required=False,
            max_length=REASON_MAX_LENGTH,
            help_text="Why the saved data change (then `reason` is the record's own reason).",
        ),
    }
    return fields, validate


def _extras(kind: RecordKind, data: dict, patient) -> dict:
    extras = {}
    if kind.name == "off-study":
        event_id = data.pop("fatal_adverse_event", None)
        extras["fatal_adverse_event"] = (
            get_object_or_404(AdverseEvent, patient=patient, pk=event_id) if event_id else None
        )
        if "previous_fatal_event_grade" in data:
            extras["previous_fatal_event_grade"] = data.pop("previous_fatal_event_grade")
    return extras


def record_write_apis(kind: RecordKind) -> tuple[type[APIView], type[APIView]]:
    """Build the create and correct endpoints of one kind of record."""
    entry, correction = (
        _input_serializer(kind, correcting=False),
        _input_serializer(kind, correcting=True),
    )
    # The record as saved (with its values computed when read) and the warnings it raised.
    answer = outputs.FormOutput.answer_of(kind.form)
    tag = ["data entry"]

    def answered(saved: Saved[Model]) -> dict:
        records = kind.form.with_computed(kind.model._default_manager.all())
        record = records.get(pk=saved.record.pk)
        return answer(record, context={"warnings": saved.warnings}).data

    class CreateApi(APIView):
        @extend_schema(
            summary=f"Record: {kind.title.lower()}",
            tags=tag,
            request=entry,
            responses={201: answer, **_ERRORS},
        )
        def post(self, request, study_id: str):
            patient = _editable_patient(request, study_id)
            data = entry(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            extras = _extras(kind, values, patient)
            saved = kind.record(patient=patient, user=request.user, values=values, **extras)
            return Response(answered(saved), status=status.HTTP_201_CREATED)

    class UpdateApi(APIView):
        @extend_schema(
            summary=f"Correct: {kind.title.lower()}",
            tags=tag,
            request=correction,
            responses={200: answer, **_ERRORS},
        )
        def patch(self, request, study_id: str, pk: int | None = None):
            patient = _editable_patient(request, study_id)
            lookup = {"pk": pk} if pk is not None else {}
            record = get_object_or_404(kind.model, patient=patient, **lookup)
            data = correction(data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            version = values.pop("version", None)
            reason = values.pop(change_reason_name(kind.form), "")
            if version is None:
                raise exceptions.ValidationError({"version": ["Give the version you read."]})
            extras = _extras(kind, values, patient)
            if isinstance(record, OffStudy) and "fatal_adverse_event" not in request.data:
                extras["fatal_adverse_event"] = record.fatal_adverse_event
            saved = kind.correct(
                **{kind.record_argument: record},
                user=request.user,
                values=values,
                version=version,
                reason=reason,
                **extras,
            )
            return Response(answered(saved))

    prefix = "".join(part.capitalize() for part in kind.name.split("-"))
    CreateApi.__name__, UpdateApi.__name__ = f"{prefix}CreateApi", f"{prefix}UpdateApi"
    return CreateApi, UpdateApi


class VisitRecordInput(serializers.ModelSerializer):
    version = serializers.IntegerField()
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Required when correcting a visit already done.",
    )

    class Meta:
        model = FollowUpVisit
        fields = [*crfs.FOLLOW_UP_VISIT.entered_fields, "version", "reason"]
        extra_kwargs = {"performed_on": {"required": True}, "vital_status": {"required": True}}


class VisitMissInput(serializers.Serializer):
    missed_reason = serializers.CharField(max_length=300)
    version = serializers.IntegerField()


class FollowUpVisitRecordApi(APIView):
    @extend_schema(
        summary="Record a follow-up visit",
        tags=["data entry"],
        request=VisitRecordInput,
        responses={200: outputs.FollowUpVisitOutput, **_ERRORS},
    )
    def post(self, request, study_id: str, month: int):
        patient = _editable_patient(request, study_id)
        visit = get_object_or_404(FollowUpVisit, patient=patient, month=month)
        data = VisitRecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version, reason = values.pop("version"), values.pop("reason", "")
        services.followup_visit_record(
            visit=visit, user=request.user, values=values, version=version, reason=reason
        )
        return Response(outputs.FollowUpVisitOutput(FollowUpVisit.objects.get(pk=visit.pk)).data)


class FollowUpVisitMissApi(APIView):
    @extend_schema(
        summary="Mark a follow-up visit missed",
        tags=["data entry"],
        request=VisitMissInput,
        responses={200: outputs.FollowUpVisitOutput, **_ERRORS},
    )
    def post(self, request, study_id: str, month: int):
        patient = _editable_patient(request, study_id)
        visit = get_object_or_404(FollowUpVisit, patient=patient, month=month)
        data = VisitMissInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.followup_visit_miss(
            visit=visit,
            user=request.user,
            missed_reason=data.validated_data["missed_reason"],
            version=data.validated_data["version"],
        )
        return Response(outputs.FollowUpVisitOutput(FollowUpVisit.objects.get(pk=visit.pk)).data)


def urlpatterns_for_records() -> list:
    from django.urls import path

    patterns = [
        path(
            "patients/<str:study_id>/follow-up-visits/M<int:month>/",
            FollowUpVisitRecordApi.as_view(),
            name="api-visit-record",
        ),
        path(
            "patients/<str:study_id>/follow-up-visits/M<int:month>/miss/",
            FollowUpVisitMissApi.as_view(),
            name="api-visit-miss",
        ),
    ]
    for kind in RECORD_KINDS.values():
        create, update = record_write_apis(kind)
        base = f"patients/<str:study_id>/{kind.name}/"
        patterns.append(path(base, create.as_view(), name=f"api-{kind.name}-create"))
        if kind.single:
            patterns.append(
                path(f"{base}current/", update.as_view(), name=f"api-{kind.name}-update")
            )
        else:
            patterns.append(
                path(f"{base}<int:pk>/", update.as_view(), name=f"api-{kind.name}-update")
            )
    return patterns
