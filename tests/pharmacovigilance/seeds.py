"""The rows migrations seed that these tests read: the reference safety information
(pharmacovigilance 0002) and the default notification rules (notices 0002).

A test with a live server (tests/browser/) or a real worker ends by flushing every table,
migrations' rows included; the tests after it find them again through these functions.
"""

from __future__ import annotations

import importlib

from django.apps import apps

from notices.defaults import DEFAULT_RULES
from notices.models import NotificationRule
from pharmacovigilance.models import ReferenceSafetyInformation

_RSI_SEED = "pharmacovigilance.migrations.0002_reference_safety_information_seed"


def reference_safety_information_ensure() -> None:
    """Seed the four drugs' RSI as migration 0002 does, unless it is there."""
    if not ReferenceSafetyInformation.objects.exists():
        importlib.import_module(_RSI_SEED).seed(apps, None)


def notification_rules_ensure() -> None:
    """Create the default notification rules, unless some rule is there."""
    if not NotificationRule.objects.exists():
        NotificationRule.objects.bulk_create(
            NotificationRule(kind=kind, role=role, site=None)
            for kind, roles in DEFAULT_RULES.items()
            for role in roles
        )
