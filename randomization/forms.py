"""The randomization form (the investigator's regimen choice and the eligibility
confirmation) and the unblinding of the trial (reason and password)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

import protocol
from audit.records import REASON_MAX_LENGTH


class RandomizeForm(forms.Form):
    regimen = forms.ChoiceField(
        label=_("Salvage regimen chosen by the investigator"),
        choices=protocol.Regimen.choices,
        widget=forms.RadioSelect,
    )
    confirm_eligible = forms.BooleanField(
        label=_("I confirm the patient is eligible and has signed the informed consent."),
        error_messages={"required": _("Confirm eligibility before randomizing.")},
    )


class TrialUnblindForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the trial is unblinded"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the final analysis at the end of the study; kept with your name."),
    )
    password = forms.CharField(
        label=_("Re-enter your password to unblind the trial"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
