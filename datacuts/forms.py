"""The form that freezes a data cut-off."""

from __future__ import annotations

from django import forms

from casebook.date_inputs import TrialDateField
from datacuts.models import LABEL_MAX_LENGTH


class DataCutFreezeForm(forms.Form):
    label = forms.CharField(
        max_length=LABEL_MAX_LENGTH,
        help_text="What the cut is for, e.g. 'DMC meeting 2'.",
    )
    cutoff = TrialDateField(
        label="Data cut-off",
        help_text="Data up to this day; today at the latest.",
    )
