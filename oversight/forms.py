"""The cut-off (and part) a reader asks the CONSORT flow and the DMC report for."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casebook.date_inputs import TrialDateField
from oversight.models import DmcReportPart


class CutoffForm(forms.Form):
    cutoff = TrialDateField(
        label=gettext_lazy("data cut-off"),
        required=False,
        help_text=gettext_lazy("Events dated on or before this day count; empty: today."),
    )

    def clean_cutoff(self) -> dt.date:
        cutoff = self.cleaned_data.get("cutoff") or timezone.localdate()
        if cutoff > timezone.localdate():
            raise forms.ValidationError(_("The data cut-off cannot be in the future."))
        return cutoff


class DmcReportForm(CutoffForm):
    part = forms.ChoiceField(
        label=gettext_lazy("Part"), choices=DmcReportPart.choices, initial=DmcReportPart.OPEN
    )

    def __init__(self, *args: Any, arms_visible: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        part = self.fields["part"]
        if not arms_visible and isinstance(part, forms.ChoiceField):
            # A blinded reader is offered the open part only.
            part.choices = [(DmcReportPart.OPEN.value, DmcReportPart.OPEN.label)]
