"""The end-of-study date, shown on every patient page (base.html) and on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

import protocol
from visits.selectors import end_of_study_on

register = template.Library()


@register.inclusion_tag("visits/_end_of_study.html")
def end_of_study() -> dict[str, Any]:
    """The end of study (one query), and whether it is reached today."""
    ends_on = end_of_study_on()
    return {
        "end_of_study_on": ends_on,
        "reached": ends_on is not None and timezone.localdate() >= ends_on,
        "years": protocol.END_OF_STUDY_AFTER_FIRST_RANDOMIZATION_YEARS,
    }
