"""The backup and restore drill (ICH E6(R3) 4.3.3, issue 12 item 8).

A backup is proven by restoring it: pg_dump the trial, pg_restore into a fresh database, and
find there every table with its rows and an audit hash chain that still verifies.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from audit.backup import backup_drill
from protocol import Regimen
from randomization.services import patient_randomize
from tests.factories import SiteFactory, UserFactory, screen_patient


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def trial_with_an_audit_trail(transactional_db, frozen_today):
    """Committed rows (pg_dump sees only those) and the events and chain links they made."""
    site = SiteFactory(number=4, name="CHU Rennes")
    coordinator = UserFactory(username="coord_rennes", role=Role.COORDINATOR, sites=[site])
    for _ in range(3):
        patient = screen_patient(site=site, user=coordinator)
        patient_randomize(patient=patient, user=coordinator, regimen=Regimen.INTENSIVE)


def test_a_restored_backup_has_every_row_and_an_intact_audit_chain(trial_with_an_audit_trail):
    report = backup_drill()

    assert report.mismatched == {}
    assert report.rows["patients_patient"] == 3
    assert report.rows["randomization_randomization"] == 3
    assert report.rows["patients_screeningevent"] >= 3
    assert report.chain is not None and report.chain.intact, report.chain.lines()
    assert report.chain.links_checked == report.rows["audit_chainlink"] > 0
    assert report.passed
    assert not _database_exists(report.restored_database)


def test_the_command_prints_the_drill_and_drops_the_copy(trial_with_an_audit_trail, capsys):
    call_command("backup_drill")

    output = capsys.readouterr().out
    assert "Chain intact." in output
    assert "Drill passed." in output
    assert not _database_exists(f"{connection.settings_dict['NAME']}_restore_drill")
