from __future__ import annotations

from typing import Any

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
    """The allocation as the coordinator who randomized is answered: the arm (open label:
    they give the drug), never the position in the stratum, which helps guess the next arm."""

    study_id = serializers.CharField(source="patient.study_id")
    stratum = serializers.CharField(source="stratum.label")
    # Who randomized, by name or staff ID: a log-in name is half of a credential.
    randomized_by = serializers.CharField(source="randomized_by.display_name")

    class Meta:
        model = Randomization
        fields = [
            "study_id",
            "arm",
            "regimen",
            "stratum",
            "stratum_levels",
            "method",
            "randomized_at",
            "randomized_by",
        ]


# What a list of randomizations shows only to an account that may read the arms
# (randomization.blinding): the arm, and the position in the stratum to the unblinded roles.
ARM_FIELDS = ("arm",)
POSITION_FIELDS = ("sequence",)
WITHHELD = " Withheld from blinded roles while the trial runs."


class RandomizationListOutput(RandomizationOutput):
    """A randomization in a list: the arm only for the accounts that may read arms joined to
    outcomes, the position only for the unblinded roles (the view says which, in the
    serializer's context: `arms_visible`, `position_visible`; both withheld when unsaid)."""

    site = serializers.IntegerField(source="patient.site.number")

    class Meta(RandomizationOutput.Meta):
        fields = [
            "id",
            "study_id",
            "site",
            "arm",
            "regimen",
            "stratum",
            "stratum_levels",
            "sequence",
            "method",
            "randomized_at",
            "randomized_by",
        ]
        extra_kwargs = {
            "arm": {"required": False, "help_text": "The arm as randomized." + WITHHELD},
            "sequence": {
                "required": False,
                "help_text": "Position within the stratum; for the unblinded roles only.",
            },
        }

    def to_representation(self, instance: Randomization) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("arms_visible"):
            for name in ARM_FIELDS:
                data.pop(name)
        if not self.context.get("position_visible"):
            for name in POSITION_FIELDS:
                data.pop(name)
        return data
