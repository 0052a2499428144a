"""Formatting of analysis figures: days, percentages, p-values, arm and strata labels; None
as n/a. Numbers follow the reader's language (12.5% in English, 12,5 % in French)."""

from __future__ import annotations

from django import template
from django.utils.formats import get_format
from django.utils.translation import gettext, gettext_noop

import protocol
from endpoints.percentages import percent_number
from endpoints.plots import strata_label as _strata_label

register = template.Library()
NOT_AVAILABLE = gettext_noop("n/a")
# Labels the analysis module stores in a run's results in English (endpoints/analysis.py),
# marked here for the catalogue so that `result_label` can show them translated.
STORED_RESULT_LABELS = (
    gettext_noop("ORR (CR+CRi+MLFS)"),
    gettext_noop("CR/CRi"),
    gettext_noop("The data do not determine a finite hazard ratio."),
)


def _decimal(text: str) -> str:
    """A number written with Python's point, with the reader's decimal separator."""
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


@register.filter
def days(value: float | None) -> str:
    if value is None:
        return gettext(NOT_AVAILABLE)
    return _decimal(f"{value:g}")


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return gettext(NOT_AVAILABLE)
    # One decimal, a half rounded up, as the safety tables (endpoints/percentages.py).
    # Translators: a percentage; French puts a no-break space before the sign.
    return gettext("%(number)s%%") % {"number": percent_number(100 * value)}


@register.filter
def pvalue(value: float | None) -> str:
    if value is None:
        return gettext(NOT_AVAILABLE)
    return _decimal("< 0.001" if value < 0.001 else f"{value:.3f}")


@register.filter
def arm_label(value: str) -> str:
    return str(dict(protocol.Arm.choices).get(value, value))


@register.filter
def strata_label(factors: list[str]) -> str:
    """The analysis strata as a reader names them: 'Salvage regimen × Disease status'."""
    return _strata_label(factors or [])


@register.filter
def result_label(value: object) -> object:
    """A label or reason stored in English (in a run's results, a CTCAE term), in the
    reader's language; anything else as it is."""
    return gettext(value) if isinstance(value, str) and value else value
