"""Date and date-time inputs that read the same in every browser: typed day/month/year.

A browser's `<input type="date">` shows and types dates in the browser's own locale
(mm/dd/yyyy in an American Chromium) while the pages and messages say dd/mm/yyyy: the same
coordinator then reads 03/04 two ways. These inputs are plain text fields parsed on the
server with the trial's formats (trialsite/formats: dd/mm/yyyy first, ISO accepted), so
typing works without JavaScript; static/js/date-input.js only adds a calendar button.
Date-times are the trial's time (Europe/Paris), said next to the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

DATE_PLACEHOLDER = _("dd/mm/yyyy")
DATETIME_PLACEHOLDER = _("dd/mm/yyyy hh:mm")
# What the browser checks before sending (the server checks again): the typed form or ISO.
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
DATETIME_PATTERN = (
    r"\d{1,2}/\d{1,2}/\d{4}[ T]\d{1,2}:\d{2}(:\d{2})?"
    r"|\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?"
)
# The button static/js/date-input.js adds beside the input (typing needs no script).
CALENDAR_LABEL = _("Calendar")
INVALID_DATE = _("Enter a date as dd/mm/yyyy.")
INVALID_DATETIME = _("Enter a date and time as dd/mm/yyyy hh:mm.")


def trial_zone_name() -> str:
    """Return the trial's time zone as the pages name it (settings.TIME_ZONE)."""
    return str(settings.TIME_ZONE)


class DateTextInput(forms.DateInput):
    """A text input for a date: numeric keyboard on a phone, the expected form shown."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # No fixed format: the language's first DATE_INPUT_FORMATS (dd/mm/yyyy) is shown.
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "placeholder": DATE_PLACEHOLDER,
                "pattern": DATE_PATTERN,
                "title": DATE_PLACEHOLDER,
                "autocomplete": "off",
                "size": 10,
                "data-date-input": "date",
                "data-calendar-label": CALENDAR_LABEL,
                **(attrs or {}),
            }
        )


class DateTimeTextInput(forms.DateTimeInput):
    """A text input for a date and time in the trial's zone, the zone said beside it."""

    input_type = "text"
    template_name = "casebook/widgets/date_time_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "placeholder": DATETIME_PLACEHOLDER,
                "pattern": DATETIME_PATTERN,
                "title": DATETIME_PLACEHOLDER,
                "autocomplete": "off",
                "size": 16,
                "data-date-input": "datetime",
                "data-calendar-label": CALENDAR_LABEL,
                **(attrs or {}),
            }
        )

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["zone"] = trial_zone_name()
        if widget["attrs"].get("id"):
            widget["zone_id"] = f"{widget['attrs']['id']}_zone"
            described = widget["attrs"].get("aria-describedby", "")
            widget["attrs"]["aria-describedby"] = f"{described} {widget['zone_id']}".strip()
        return context


class TrialDateField(forms.DateField):
    """A date typed dd/mm/yyyy (or ISO); a wrong one says the expected form."""

    widget = DateTextInput
    default_error_messages = {"invalid": INVALID_DATE}


class TrialDateTimeField(forms.DateTimeField):
    """A date and time typed dd/mm/yyyy hh:mm in the trial's zone (or ISO)."""

    widget = DateTimeTextInput
    default_error_messages = {"invalid": INVALID_DATETIME}
