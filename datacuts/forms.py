"""The form that freezes a data cut-off."""

from __future__ import annotations

from django import forms

from datacuts.models import LABEL_MAX_LENGTH


class DataCutFreezeForm(forms.Form):
    label = forms.CharField(
        max_length=LABEL_MAX_LENGTH,
        help_text="What the cut is for, e.g. 'DMC meeting 2'.",
    )
    cutoff = forms.DateField(
        label="Data cut-off",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "A date as YYYY-MM-DD."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Data up to this day; today at the latest.",
    )
