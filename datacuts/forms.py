"""The form that freezes a data cut-off."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casebook.date_inputs import TrialDateField
from datacuts.models import LABEL_MAX_LENGTH


class DataCutFreezeForm(forms.Form):
    label = forms.CharField(
        max_length=LABEL_MAX_LENGTH,
        label=_("Label"),
        help_text=_("What the cut is for, e.g. 'DMC meeting 2'."),
    )
    cutoff = TrialDateField(
        label=_("Data cut-off"),
        help_text=_("Data up to this day; today at the latest."),
    )
