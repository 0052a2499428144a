"""Templates ask permission questions (`{% load permissions %}`, or a view's `can_...`
variables); they never compare roles, so who may do what is decided in one place
(accounts/permissions.py) and a template cannot drift from it."""

from __future__ import annotations

import re
from pathlib import Path

from accounts.models import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
ROLE_READ = re.compile(r"\b(role|Role)\b")  # `user.role`, a `role` variable, `Role.X`
# A role's value as a whole quoted literal: `"monitor"`, not the `pharmacovigilance/` of a
# template path or the `pharmacovigilance-case` of a URL name (an app may share a role's word).
URL_NAME = re.compile(r"{%\s*url\s+([\"'])[^\"']*\1")
ROLE_VALUE = re.compile(r"[\"'](" + "|".join(re.escape(value) for value in Role.values) + r")[\"']")


def _compares_roles(tag: str) -> bool:
    """Whether a template tag reads a role (outside its quoted text) or names a role's value."""
    tag = URL_NAME.sub("{% url", tag)  # a URL's name is not a role, even when it is the word
    return bool(ROLE_READ.search(STRING.sub("", tag)) or ROLE_VALUE.search(tag))


def test_no_template_compares_roles():
    found = [
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in TAG.findall(path.read_text())
        if _compares_roles(tag)
    ]

    assert found == []


def test_the_check_sees_a_role_comparison_and_nothing_else():
    assert _compares_roles('{% if user.role == "data_manager" %}')
    assert _compares_roles("{% if role == 'monitor' %}")
    assert _compares_roles("{% if request.user.role in review_roles %}")
    assert not _compares_roles("{% if user|can_lock_data %}")
    assert not _compares_roles('{{ user.get_role_display|default:"no role" }}')
    assert _compares_roles("{% if kind in 'pharmacovigilance' %}")
    assert not _compares_roles("{% url 'pharmacovigilance-case' case.pk %}")
    assert not _compares_roles("{% url 'pharmacovigilance' %}")
    assert not _compares_roles("{% extends 'pharmacovigilance/base.html' %}")
