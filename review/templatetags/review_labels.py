"""The data review's labels in templates:
`{% load review_labels %}` ... `{{ query|queried_field }}`."""

from __future__ import annotations

from django import template

from review.labels import queried_field_label
from review.models import DataQuery

register = template.Library()


@register.filter
def queried_field(query: DataQuery) -> str:
    """Return the label of the field a query is about; empty for a query on a whole record."""
    return queried_field_label(query.content_type.model_class(), query.field_name)
