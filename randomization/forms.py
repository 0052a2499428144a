"""The randomization form: the investigator's regimen choice and the eligibility confirmation."""

from __future__ import annotations

from django import forms

import protocol


class RandomizeForm(forms.Form):
    regimen = forms.ChoiceField(
        label="Salvage regimen chosen by the investigator",
        choices=protocol.Regimen.choices,
        widget=forms.RadioSelect,
    )
    confirm_eligible = forms.BooleanField(
        label="I confirm the patient is eligible and has signed the informed consent.",
        error_messages={"required": "Confirm eligibility before randomizing."},
    )
