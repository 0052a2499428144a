"""The header's link to the sponsor safety page, with the overdue SUSARs counted in red, for
the roles that follow SAEs trial-wide:
`{% load sponsor_safety %}` ... `{% sponsor_safety_link user %}`."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.permissions import user_can_view_sponsor_safety
from pharmacovigilance.selectors import overdue_susar_count

register = template.Library()


@register.simple_tag
def sponsor_safety_link(user) -> SafeString | str:
    """Return the link, and '<n> SUSAR(s) overdue' in red when any is; nothing for another role."""
    if not user_can_view_sponsor_safety(user):
        return ""
    overdue = overdue_susar_count(user)
    if not overdue:
        return format_html(
            '<a href="{}" id="sponsor-safety-link">Sponsor safety</a>', reverse("pharmacovigilance")
        )
    return format_html(
        '<a href="{}" id="sponsor-safety-link">Sponsor safety '
        '<span class="badge status-overdue" id="overdue-susar-count">{} SUSAR{} overdue</span></a>',
        reverse("pharmacovigilance"),
        overdue,
        "s" if overdue > 1 else "",
    )
