"""API shapes of blood counts and transfusions: their declared fields (labs/crfs.py)."""

from __future__ import annotations

from labs import crfs
from visits.serializers import FormOutput


class BloodCountOutput(FormOutput):
    form = crfs.BLOOD_COUNT


class TransfusionOutput(FormOutput):
    form = crfs.TRANSFUSION
