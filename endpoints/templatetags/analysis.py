"""Formatting of analysis figures: days, percentages, p-values, arm and strata labels; None
as n/a."""

from __future__ import annotations

from django import template

import protocol
from endpoints.plots import strata_label as _strata_label

register = template.Library()
NOT_AVAILABLE = "n/a"


@register.filter
def days(value: float | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return f"{value:g}"


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return f"{100 * value:.1f}%"


@register.filter
def pvalue(value: float | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def arm_label(value: str) -> str:
    return dict(protocol.Arm.choices).get(value, value)


@register.filter
def strata_label(factors: list[str]) -> str:
    """The analysis strata as a reader names them: 'Salvage regimen × Disease status'."""
    return _strata_label(factors or [])
