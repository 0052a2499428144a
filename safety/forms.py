"""The SAE report's draft form and its submission form (password re-entered)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casebook.date_inputs import TrialDateTimeField
from safety.models import SaeReportVersion
from safety.services import CONTENT_FIELDS


class SaeDraftForm(forms.ModelForm):
    """The draft of one version; the initial report's draft also says when the site became
    aware (the clock's start), in the trial's time zone."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    site_aware_at = TrialDateTimeField(
        label=_("Date and time the site became aware"),
        help_text=_("The trial's time (Europe/Paris). The initial report is due 24 hours later."),
    )

    class Meta:
        model = SaeReportVersion
        fields = list(CONTENT_FIELDS)
        labels = {"narrative": _("Narrative"), "outcome": pgettext_lazy("SAE", "Outcome")}
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "relevant_tests": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draft: SaeReportVersion = self.instance
        self.fields["version"].initial = draft.version
        if draft.number == 0:
            aware = timezone.localtime(draft.report.site_aware_at)
            self.fields["site_aware_at"].initial = aware.replace(second=0, microsecond=0)
        else:
            del self.fields["site_aware_at"]

    def _post_clean(self) -> None:
        # The service validates and saves; the form only parses what was typed.
        pass

    def values(self) -> dict[str, Any]:
        """Return what was typed; the awareness time only if changed (the field shows it to
        the minute: an unchanged field must not move the clock by the seconds it hides)."""
        values = {name: self.cleaned_data[name] for name in CONTENT_FIELDS}
        if "site_aware_at" in self.fields:
            typed = self.cleaned_data["site_aware_at"]
            if typed != self.fields["site_aware_at"].initial:
                values["site_aware_at"] = typed
        return values


class SaeSubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your e-signature: you confirm this report is accurate and complete."),
    )
