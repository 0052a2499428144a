"""Show audited values the way the rest of the pages do."""

from __future__ import annotations

from typing import Any

from django import template

from audit import reading
from audit.selectors import HistoryEntry

register = template.Library()


@register.filter
def audit_value(value: Any) -> str:
    """Return a stored value for reading: Yes/No, 'key: value' lists, ∅ for nothing."""
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return str(reading.YES) if value else str(reading.NO)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {audit_value(v)}" for k, v in value.items())
    return str(value)


@register.filter
def readable_history(entries: list[HistoryEntry]) -> list[reading.ReadableEntry]:
    """Return the audit trail's entries with labels and formatted values, never codes."""
    return reading.readable(entries)
