"""API shape of a concomitant medication: its declared fields (medications/crfs.py)."""

from __future__ import annotations

from medications import crfs
from visits.serializers import FormOutput


class ConcomitantMedicationOutput(FormOutput):
    form = crfs.CONCOMITANT_MEDICATION
