"""The header's link to the sponsor safety page, with the overdue SUSARs counted in red, for
the roles that follow SAEs trial-wide:
`{% load sponsor_safety %}` ... `{% sponsor_safety_link user %}`."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            '<a href="{}" id="sponsor-safety-link">{}</a>',
            reverse("pharmacovigilance"),
            _("Sponsor safety"),
        )
    return format_html(
        '<a href="{}" id="sponsor-safety-link">{} '
        '<span class="badge status-overdue" id="overdue-susar-count">{}</span></a>',
        reverse("pharmacovigilance"),
        _("Sponsor safety"),
        ngettext("%(count)s SUSAR overdue", "%(count)s SUSARs overdue", overdue)
        % {"count": overdue},
    )
