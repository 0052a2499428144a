"""Reads of the data cuts: the list, without the packages' bytes."""

from __future__ import annotations

from django.db.models import QuerySet

from datacuts.models import DataCut


def data_cuts() -> QuerySet[DataCut]:
    """Every data cut, newest first, with who asked (one query; no package loaded)."""
    return DataCut.objects.select_related("requested_by").order_by("-requested_at", "-pk")
