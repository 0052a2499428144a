from __future__ import annotations

from rest_framework import serializers

from accounts.models import Site
from refusals.text import no_control_characters


class SiteOutput(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["number", "name", "active"]


class TokenLogInInput(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[no_control_characters])
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Shown this once; only its digest is kept.")
    expiry = serializers.DateTimeField(help_text="When the token stops working.")
