"""The application's own database login cannot change a frozen cut or its package: the
trigger refuses, it cannot skip the trigger (`pgtrigger.ignore` works for the owner only,
audit/database.py) nor disable it (tests/security/test_database_privileges.py's roles)."""

from __future__ import annotations

import pgtrigger
import pytest
from psycopg2 import errors

from datacuts.models import DataCut, DataCutPackage
from tests.security import test_database_privileges as privileges

pytestmark = pytest.mark.django_db(transaction=True)

# The application and owner roles, set up once for this module on the test database.
roles = privileges.roles
app_role = privileges.app_role
as_app = privileges.as_app


def _trigger_id(model: type, name: str) -> str:
    return next(t for m, t in pgtrigger.registered() if m is model and t.name == name).get_pgid(
        model
    )


def _refused(cursor, statement: str, *params):
    cursor.execute("SAVEPOINT tried")
    try:
        cursor.execute(statement, params or None)
    except errors.Error as refused:
        cursor.execute("ROLLBACK TO SAVEPOINT tried")
        return refused
    raise AssertionError(f"the application role was allowed: {statement}")


def test_the_application_role_cannot_change_a_frozen_cut_even_skipping_the_trigger(
    small_cut, as_app
):
    frozen = _trigger_id(DataCut, "data_cut_frozen_immutable")
    package = _trigger_id(DataCutPackage, "data_cut_package_immutable")
    as_app.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + frozen + "," + package + "}"])

    for statement in (
        "UPDATE datacuts_datacut SET label = 'Renamed' WHERE id = %s",
        "UPDATE datacuts_datacut SET sha256 = repeat('0', 64) WHERE id = %s",
        "DELETE FROM datacuts_datacut WHERE id = %s",
        "UPDATE datacuts_datacutpackage SET content = 'x'::bytea WHERE cut_id = %s",
        "DELETE FROM datacuts_datacutpackage WHERE cut_id = %s",
    ):
        refused = _refused(as_app, statement, small_cut.pk)
        assert isinstance(refused, errors.RaiseException), statement
        assert "Cannot update or delete rows" in str(refused)
    for table in ("datacuts_datacut", "datacuts_datacutpackage"):
        refused = _refused(as_app, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert isinstance(refused, errors.InsufficientPrivilege)

    as_app.execute("SELECT label, sha256 FROM datacuts_datacut WHERE id = %s", [small_cut.pk])
    assert as_app.fetchone() == ("Small cut", small_cut.sha256)
