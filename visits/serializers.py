"""API shapes of the treatment, follow-up and safety records."""

from __future__ import annotations

from rest_framework import serializers

from api.lists import PatientRecordSerializer
from visits import models


def _fields(*names: str) -> list[str]:
    return ["id", "study_id", "site", *names, "version", "created_at", "updated_at"]


class CycleOutput(PatientRecordSerializer):
    class Meta:
        model = models.TreatmentCycle
        fields = _fields(
            "number",
            "phase",
            "started_on",
            "ended_on",
            "amsacrine_mg_m2",
            "cytarabine_mg_m2",
            "azacitidine_mg_m2",
            "dexamethasone_given",
            "dexamethasone_mg",
            "delay_days",
            "dose_reduced",
            "modification_note",
        )


class ResponseOutput(PatientRecordSerializer):
    class Meta:
        model = models.ResponseAssessment
        fields = _fields(
            "assessed_on",
            "after_cycle",
            "category",
            "marrow_blasts_pct",
            "anc",
            "platelets",
            "circulating_blasts",
            "auer_rods",
            "extramedullary_disease",
            "transfusion_dependent",
            "mrd_negative",
        )


class TransplantOutput(PatientRecordSerializer):
    class Meta:
        model = models.Transplant
        fields = _fields("transplanted_on", "donor_type", "conditioning")


class EndOfTreatmentOutput(PatientRecordSerializer):
    class Meta:
        model = models.EndOfTreatment
        fields = _fields("ended_on", "reason", "note")


class FollowUpVisitOutput(PatientRecordSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = models.FollowUpVisit
        fields = _fields(
            "label",
            "month",
            "target_on",
            "window_opens_on",
            "window_closes_on",
            "performed_on",
            "vital_status",
            "disease_status",
            "new_therapy",
            "transplant_since_last",
            "missed_reason",
        )


class OffStudyOutput(PatientRecordSerializer):
    fatal_adverse_event = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = models.OffStudy
        fields = _fields(
            "reason", "event_on", "death_cause", "fatal_adverse_event", "data_use", "note"
        )


class AdverseEventOutput(PatientRecordSerializer):
    class Meta:
        model = models.AdverseEvent
        fields = _fields(
            "term",
            "term_specified",
            "grade",
            "serious",
            "onset_on",
            "resolved_on",
            "related_to_dexamethasone",
            "related_to_salvage",
            "action_taken",
            "sae_reviewed_at",
        )


class DeviationOutput(PatientRecordSerializer):
    cycle = serializers.IntegerField(source="cycle.number", allow_null=True, read_only=True)

    class Meta:
        model = models.ProtocolDeviation
        fields = [
            "id",
            "study_id",
            "site",
            "kind",
            "cycle",
            "description",
            "detected_at",
            "corrected_at",
        ]
