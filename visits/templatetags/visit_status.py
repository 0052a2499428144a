"""A follow-up visit's status as the reader's language names it (the code stays in the
badge's class: status-overdue)."""

from __future__ import annotations

from django import template

from visits.schedule import VisitStatus

register = template.Library()


@register.filter
def visit_status_label(status: str) -> str:
    """Return "Overdue" (« En retard » in French) for "overdue"; an unknown code as it is."""
    label = VisitStatus.LABELS.get(status)
    return str(label) if label is not None else status
