from __future__ import annotations

from rest_framework import serializers

import protocol
from randomization.models import Randomization


class RandomizeInput(serializers.Serializer):
    regimen = serializers.ChoiceField(protocol.Regimen.choices)
    disease_status = serializers.ChoiceField(
        protocol.DiseaseStatus.choices,
        required=False,
        help_text="Only needed when the screening did not record it.",
    )


class RandomizationOutput(serializers.ModelSerializer):
    study_id = serializers.CharField(source="patient.study_id")
    stratum = serializers.CharField(source="stratum.label")
    randomized_by = serializers.CharField(source="randomized_by.username")

    class Meta:
        model = Randomization
        fields = [
            "study_id",
            "arm",
            "regimen",
            "stratum",
            "stratum_levels",
            "sequence",
            "method",
            "randomized_at",
            "randomized_by",
        ]
