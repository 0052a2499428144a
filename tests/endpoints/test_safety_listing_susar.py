"""The SAE listing tells where each case stands: the site's report (latest version, when the
sponsor received it) and, for the accounts that follow SAEs trial-wide, pharmacovigilance's
SUSAR; a site's account sees its report but not the SUSAR column."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from accounts.models import Role
from endpoints.safety_tables import safety_tables
from pharmacovigilance.models import ReferenceSafetyInformation
from pharmacovigilance.services import sae_assess
from tests.factories import UserFactory
from tests.pharmacovigilance.conftest import CYCLE_1_ON, opinions, submit_sae
from tests.visits.builders import randomize, record_cycle


@pytest.fixture
def pharmacovigilance(db):
    return UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)


@pytest.fixture
def reference_safety_information(db):
    """The four RSIs seeded by migration pharmacovigilance 0002, seeded again if a
    transactional test (a browser test's live server) emptied the tables before this one."""
    if not ReferenceSafetyInformation.objects.exists():
        migration = importlib.import_module(
            "pharmacovigilance.migrations.0002_reference_safety_information_seed"
        )
        migration.seed(apps, None)


@pytest.fixture
def susar(patient_a, coordinator, investigator, pharmacovigilance, reference_safety_information):
    """An unexpected serious pneumonitis (30 May), reported today and found a SUSAR."""
    randomize(patient_a, coordinator)
    record_cycle(patient_a, coordinator, CYCLE_1_ON)
    report = submit_sae(patient_a, coordinator, investigator)
    sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))
    return report


def _listing(user) -> list[dict[str, object]]:
    tables = safety_tables(user=user)
    names = [c.name for c in tables.listing_columns]
    return [dict(zip(names, cells, strict=True)) for cells in tables.listing_cells]


@pytest.mark.parametrize("role", ["pharmacovigilance", "sponsor", "dmc"])
def test_the_sponsor_side_sees_the_report_and_the_susar(request, susar, role):
    (row,) = _listing(request.getfixturevalue(role))

    assert row["AEDECOD"] == "Pneumonitis"
    assert row["SAEREPORT"] == "initial report: submitted"
    assert row["SAERCVDTM"] == "2025-06-02T10:00Z"  # today, frozen at 10:00 UTC
    assert row["SUSAR"] == "SUSAR, not yet reported to the regulators"


def test_a_site_sees_its_report_but_not_the_susar(susar, investigator):
    (row,) = _listing(investigator)

    assert row["SAEREPORT"] == "initial report: submitted"
    assert "SUSAR" not in row
    assert all(e.susar == "" for e in safety_tables(user=investigator).listing)
