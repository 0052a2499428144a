"""Rows the migrations seed (the default notification rules, the reference safety
information) come back after a transactional test empties every table, as Django's flush
does after each such test (live-server and worker tests among them)."""

from __future__ import annotations

import pytest

from notices.models import NotificationRule
from pharmacovigilance.models import ReferenceSafetyInformation


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_empties_the_tables_when_it_ends():
    NotificationRule.objects.all().delete()
    assert not NotificationRule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_next_one_finds_the_default_rules_and_the_rsi_again():
    assert NotificationRule.objects.filter(active=True).exists()
    assert set(ReferenceSafetyInformation.objects.values_list("drug", flat=True)) == {
        "dexamethasone",
        "amsacrine",
        "cytarabine",
        "azacitidine",
    }
