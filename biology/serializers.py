"""API shape of a biology specimen: its declared fields (biology/crfs.py)."""

from __future__ import annotations

from biology import crfs
from visits.serializers import FormOutput


class SpecimenOutput(FormOutput):
    form = crfs.SPECIMEN
