"""Accounts the notices go to: every role at site A, and a colleague at site B."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import UserFactory


@pytest.fixture
def staff(site_a, site_b):
    """One account per role, each with an address; site-bound ones at site A, and site B's
    coordinator and investigator."""

    def account(username, role, sites=()):
        return UserFactory(
            username=username, role=role, sites=list(sites), email=f"{username}@chu.example"
        )

    return {
        "coordinator_a": account("coordinator_a", Role.COORDINATOR, [site_a]),
        "investigator_a": account("investigator_a", Role.INVESTIGATOR, [site_a]),
        "monitor_a": account("monitor_a", Role.MONITOR, [site_a]),
        "coordinator_b": account("coordinator_b", Role.COORDINATOR, [site_b]),
        "investigator_b": account("investigator_b", Role.INVESTIGATOR, [site_b]),
        "safety_desk": account("safety_desk", Role.PHARMACOVIGILANCE),
        "data_manager": account("data_manager", Role.DATA_MANAGER),
        "sponsor_desk": account("sponsor_desk", Role.SPONSOR),
        "statistician_x": account("statistician_x", Role.STATISTICIAN),
    }
