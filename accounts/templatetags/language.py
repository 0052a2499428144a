"""The language switch's way back: `{% load language %}` ... `{% page_after_language_choice %}`."""

from __future__ import annotations

from django import template

from accounts import language

register = template.Library()


@register.simple_tag(takes_context=True)
def page_after_language_choice(context: template.Context) -> str:
    return language.page_after_language_choice(context["request"])
