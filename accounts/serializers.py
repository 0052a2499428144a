from __future__ import annotations

from rest_framework import serializers

from accounts.models import Site


class SiteOutput(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["number", "name", "active"]
