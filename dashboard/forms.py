"""The screening log's filters: parsed here, applied by dashboard.selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

import protocol
from dashboard.selectors import PatientStatus


class ScreeningLogFilterForm(forms.Form):
    """Status and arm filters (the site is chosen as on every page, with `?site=`).

    The arm filter exists only for a viewer who may see arms joined to outcomes: a
    blinded role's form has no such field, and its view refuses an `arm` it was sent.
    """

    status = forms.ChoiceField(
        choices=[("", _("Any status")), *PatientStatus.choices], required=False, label=_("Status")
    )

    def __init__(self, *args: Any, arms_shown: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if arms_shown:
            self.fields["arm"] = forms.ChoiceField(
                choices=[("", _("Both arms")), *protocol.Arm.choices],
                required=False,
                label=_("Arm"),
            )

    def chosen(self, name: str) -> str:
        """Return the filter's value if valid, else "": an invalid choice is reported on the
        form and the log is shown without that filter."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "")
