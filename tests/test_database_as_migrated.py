"""After a transactional test the database is as migrate left it: every row the test wrote is
gone, the seeds are back as they were, the audit chain is whole (tests/database_as_migrated.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.chain import event_tables, verify_chain
from patients.models import Patient
from tests import database_as_migrated
from tests.factories import SiteFactory, screen_patient

pytestmark = pytest.mark.django_db(transaction=True)


def _lines(rows: dict[str, bytes]) -> dict[str, list[bytes]]:
    return {table: sorted(text.splitlines()) for table, text in rows.items()}


def _rows() -> dict[str, list[bytes]]:
    """Every table's rows (COPY text lines, sorted), but the chain's links."""
    return _lines(database_as_migrated.table_rows(database_as_migrated.captured().tables))


def _as_migrated() -> dict[str, list[bytes]]:
    captured = database_as_migrated.captured()
    return _lines(
        {
            table: captured.rows.get(table, b"")
            for table in captured.tables
            if table not in database_as_migrated.SEALED_AT_COMMIT
        }
    )


def _event_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM {table})" for table in event_tables())
        )
        return cursor.fetchone()[0]


def test_it_deletes_what_a_test_wrote_and_puts_the_seeds_back(site_a, coordinator, frozen_today):
    seeded = _as_migrated()
    assert seeded["auth_permission"] and seeded["django_content_type"]
    screen_patient(site=site_a, user=coordinator)
    with connection.cursor() as cursor:  # a seed changed, as a test may change one
        cursor.execute("UPDATE django_content_type SET model = model || '_changed'")
    assert _rows() != seeded

    database_as_migrated.restore()

    assert _rows() == seeded
    assert not Patient.objects.exists()
    # Sequences go on, as after Django's flush: no id of the test's rows is given again.
    assert SiteFactory(number=9).pk > site_a.pk


def test_it_leaves_the_audit_chain_whole_sealing_every_seeded_event_again(
    site_a, coordinator, frozen_today
):
    screen_patient(site=site_a, user=coordinator)

    database_as_migrated.restore()

    report = verify_chain()
    assert report.intact, report.lines()
    assert report.links_checked == _event_rows() > 0
