"""{% form_token %}: the one-time token of a creating form (idempotency/middleware.py)."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from idempotency.middleware import FORM_TOKEN_FIELD

register = template.Library()


@register.simple_tag
def form_token() -> SafeString:
    """Return a hidden field with a new token: the form is saved once however often it is sent."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FORM_TOKEN_FIELD, uuid.uuid4().hex
    )
