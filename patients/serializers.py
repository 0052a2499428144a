"""API shapes for patients and screening: input serializers parse, output ones present."""

from __future__ import annotations

from rest_framework import serializers

import protocol
from accounts.models import Site
from audit.records import REASON_MAX_LENGTH
from patients.models import CriterionAnswer, Patient, Screening
from refusals.text import FREE_TEXT_MAX_LENGTH, no_control_characters


class _ScreeningValuesInput(serializers.Serializer):
    consent_on = serializers.DateField()
    screened_on = serializers.DateField()
    age_at_consent = serializers.IntegerField(min_value=0, max_value=120)
    diagnosis_on = serializers.DateField(required=False, allow_null=True)
    disease_status = serializers.ChoiceField(
        protocol.DiseaseStatus.choices, required=False, allow_blank=True
    )
    disease_status_on = serializers.DateField(required=False, allow_null=True)
    ecog = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=4)
    wbc = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    marrow_blasts_pct = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, min_value=0, max_value=100
    )
    cytogenetic_risk = serializers.ChoiceField(
        protocol.CytogeneticRisk.choices, required=False, allow_blank=True
    )
    eln_risk = serializers.ChoiceField(protocol.ElnRisk.choices, required=False, allow_blank=True)
    mutations = serializers.DictField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="{gene: detected | not_detected | not_tested}",
    )
    prior_lines = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    prior_allo_hsct = serializers.BooleanField(required=False, allow_null=True)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=FREE_TEXT_MAX_LENGTH,
        validators=[no_control_characters],
    )


class PatientScreenInput(_ScreeningValuesInput):
    site = serializers.SlugRelatedField(slug_field="number", queryset=Site.objects.all())
    sex = serializers.ChoiceField(protocol.Sex.choices)
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100)
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="{criterion code: true | false} for every eligibility criterion",
    )


class ScreeningUpdateInput(_ScreeningValuesInput):
    """Partial correction of a screening: only the fields sent are changed.

    Read with `partial=True`, which makes every field optional; `version` is required all
    the same (see `validate`), as on the visit records' corrections.
    """

    sex = serializers.ChoiceField(protocol.Sex.choices, required=False)
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    answers = serializers.DictField(child=serializers.BooleanField(), required=False)
    version = serializers.IntegerField(
        min_value=1,
        help_text="The patient's `version` you read; if someone saved a correction since, "
        "nothing is saved and the answer names who and when (400 under `version`).",
    )
    reason = serializers.CharField(
        required=True,
        allow_blank=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Why the saved data are being changed.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("version") is None:
            raise serializers.ValidationError({"version": ["Give the version you read."]})
        return attrs


class CriterionAnswerOutput(serializers.ModelSerializer):
    class Meta:
        model = CriterionAnswer
        fields = ["code", "kind", "text", "answer"]


class ScreeningOutput(serializers.ModelSerializer):
    answers = CriterionAnswerOutput(many=True, read_only=True)

    class Meta:
        model = Screening
        fields = [
            "consent_on",
            "screened_on",
            "age_at_consent",
            "diagnosis_on",
            "disease_status",
            "disease_status_on",
            "ecog",
            "wbc",
            "marrow_blasts_pct",
            "cytogenetic_risk",
            "eln_risk",
            "mutations",
            "prior_lines",
            "prior_allo_hsct",
            "outcome",
            "failure_reason",
            "note",
            "answers",
            "updated_at",
        ]


class PatientOutput(serializers.ModelSerializer):
    site = serializers.IntegerField(source="site.number")
    screening = ScreeningOutput(read_only=True)
    version = serializers.IntegerField(
        source="screening.version",
        read_only=True,
        help_text="Send it back with a correction (PATCH): counts the corrections of the "
        "screening, its checklist and the patient's sex and year of birth.",
    )

    class Meta:
        model = Patient
        fields = [
            "study_id",
            "site",
            "sex",
            "year_of_birth",
            "screening",
            "version",
            "created_at",
            "updated_at",
        ]


class HistoryEntryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    record = serializers.CharField()
    by = serializers.CharField(allow_null=True, help_text="Full name, else staff ID.")
    reason = serializers.CharField(allow_null=True)
    changes = serializers.DictField()
