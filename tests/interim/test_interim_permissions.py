"""Who plans interim analyses and who reads them (accounts/permissions.py): the statistician
plans and takes the looks; the unblinded roles (statistician, data monitoring committee) read
them; every other role, blinded, neither."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from accounts import permissions
from accounts.models import Role
from tests.factories import UserFactory

SITE_BOUND = (Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR)
PLANS = {Role.STATISTICIAN}
READS = {Role.STATISTICIAN, Role.DMC}


@pytest.mark.parametrize("role", list(Role))
def test_each_role(role, site_a):
    sites = [site_a] if role in SITE_BOUND else []
    user = UserFactory(username=f"{role}_x", role=role, sites=sites)

    assert permissions.user_can_plan_interim_analyses(user) is (role in PLANS)
    assert permissions.user_can_view_interim_analyses(user) is (role in READS)
    shown = Template("{% load permissions %}{% if user|can_view_interim_analyses %}yes{% endif %}")
    assert (shown.render(Context({"user": user})) == "yes") is (role in READS)
