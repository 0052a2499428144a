"""The rules a new trial starts with (migration 0002) are the declared defaults."""

from __future__ import annotations

import pytest

from notices.defaults import DEFAULT_RULES
from notices.models import NotificationRule
from notices.services import notification_rules_seed

pytestmark = pytest.mark.django_db


def _rules() -> set[tuple[str, str]]:
    return set(NotificationRule.objects.filter(site=None).values_list("kind", "role"))


def test_the_migration_seeded_the_declared_default_rules():
    assert _rules() == {(kind, role) for kind, roles in DEFAULT_RULES.items() for role in roles}
    assert notification_rules_seed() == 0


def test_seeding_puts_back_a_deleted_default_rule_and_nothing_else():
    NotificationRule.objects.filter(kind="sae_opened", role="coordinator").delete()

    assert notification_rules_seed() == 1
    assert ("sae_opened", "coordinator") in _rules()
    assert NotificationRule.objects.count() == sum(len(r) for r in DEFAULT_RULES.values())
