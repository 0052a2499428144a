"""The application's database login cannot erase or bypass the audit trail (issue 12, item 1).

`setup_database_roles` makes an owner role own the schema and gives the application role only
row rights: clinical tables read and written, audit events read and added, nothing else. Each
test connects AS the application role to the test database and tries what the probe did.
Roles are cluster-wide, so this module's roles are named after its test database and dropped
at the end.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pghistory.models
import pgtrigger
import psycopg2
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg2 import errors

from accounts.models import Role, Site
from audit.database import (
    DatabaseRoles,
    database_roles_setup,
    read_only_tables_for_app,
)
from protocol import Regimen
from randomization.services import patient_randomize
from tests.factories import SiteFactory, UserFactory, screen_patient

SiteEvent = apps.get_model("accounts", "SiteEvent")


def _event_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]


def _trigger_id(model: type, name: str) -> str:
    return next(t for m, t in pgtrigger.registered() if m is model and t.name == name).get_pgid(
        model
    )


@pytest.fixture(scope="module")
def roles(django_db_setup, django_db_blocker) -> Iterator[DatabaseRoles]:
    """Both roles, set up on the migrated test database as the test's superuser would."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
        roles = DatabaseRoles(
            owner=f"{database}_owner",
            app=f"{database}_app",
            owner_password=secrets.token_hex(16),
            app_password=secrets.token_hex(16),
        )
        try:
            database_roles_setup(roles=roles)
            yield roles
        finally:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname IN (%s, %s)", [roles.owner, roles.app]
                )
                if cursor.fetchall():
                    cursor.execute(f"REASSIGN OWNED BY {roles.owner} TO CURRENT_USER")
                    cursor.execute(f"DROP OWNED BY {roles.owner}, {roles.app}")
                    cursor.execute(f"DROP ROLE {roles.app}")
                    cursor.execute(f"DROP ROLE {roles.owner}")
                cursor.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO PUBLIC')


@pytest.fixture(scope="module")
def app_role(roles) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the test database as the application role (each test rolls back)."""
    db = connection.settings_dict
    as_app = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=roles.app,
        password=roles.app_password,
    )
    yield as_app
    as_app.close()


@pytest.fixture
def as_app(app_role) -> Iterator[psycopg2.extensions.cursor]:
    with app_role.cursor() as cursor:
        yield cursor
    app_role.rollback()


def _site_with_events(cursor) -> int:
    """Insert a site as the application role, so its table and event table have rows."""
    cursor.execute(
        "INSERT INTO accounts_site (number, name, active, last_patient_sequence)"
        " VALUES (%s, %s, true, 0) RETURNING id",
        [90 + secrets.randbelow(9), "CHU Probe"],
    )
    (site_id,) = cursor.fetchone()
    cursor.execute("SAVEPOINT written")
    return site_id


def _refused(cursor, statement: str, *params) -> psycopg2.Error:
    """Run a statement expected to fail; return the error and undo just that statement."""
    try:
        cursor.execute(statement, params or None)
    except psycopg2.Error as refused:
        cursor.execute("ROLLBACK TO SAVEPOINT written")
        return refused
    raise AssertionError(f"the application role was allowed: {statement}")


def test_it_is_neither_a_superuser_nor_the_owner_of_anything(as_app, roles):
    as_app.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
        " WHERE rolname = current_user"
    )
    assert as_app.fetchone() == (False, False, False, False)
    as_app.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'MEMBER')"
    )
    assert as_app.fetchone() == (0,)
    as_app.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [roles.owner])
    assert as_app.fetchone() == (False,)


def test_it_may_only_read_and_add_audit_events_and_read_the_chain(as_app):
    event_tables = [model._meta.db_table for model in _event_models()]
    assert len(event_tables) >= 20  # every pghistory event model, from the registry
    for table in event_tables:
        for privilege, allowed in {
            "SELECT": True,
            "INSERT": True,
            "UPDATE": False,
            "DELETE": False,
            "TRUNCATE": False,
            "REFERENCES": False,
            "TRIGGER": False,
        }.items():
            as_app.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
            assert as_app.fetchone() == (allowed,), (table, privilege)
    for table in read_only_tables_for_app():
        for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
            as_app.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
            assert as_app.fetchone() == (False,), (table, privilege)


def test_it_may_read_and_write_clinical_rows_and_nothing_more(as_app):
    for table in ("patients_screening", "visits_adverseevent", "accounts_site"):
        for privilege, allowed in {
            "SELECT": True,
            "INSERT": True,
            "UPDATE": True,
            "DELETE": True,
            "TRUNCATE": False,
            "REFERENCES": False,
            "TRIGGER": False,
        }.items():
            as_app.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
            assert as_app.fetchone() == (allowed,), (table, privilege)

    site_id = _site_with_events(as_app)
    as_app.execute("UPDATE accounts_site SET name = 'CHU Probe bis' WHERE id = %s", [site_id])
    as_app.execute("SELECT name FROM accounts_site WHERE id = %s", [site_id])
    assert as_app.fetchone() == ("CHU Probe bis",)


def test_it_cannot_truncate_an_event_table(as_app):
    _site_with_events(as_app)

    refused = _refused(as_app, "TRUNCATE accounts_siteevent")

    assert isinstance(refused, errors.InsufficientPrivilege)


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM accounts_siteevent WHERE pgh_obj_id = %s",
        "UPDATE accounts_siteevent SET name = 'rewritten' WHERE pgh_obj_id = %s",
    ],
)
def test_it_cannot_delete_or_rewrite_an_event_even_skipping_the_append_only_trigger(
    as_app, statement
):
    site_id = _site_with_events(as_app)
    append_only = _trigger_id(SiteEvent, "append_only")
    as_app.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + append_only + "}"])
    as_app.execute("SAVEPOINT written")

    refused = _refused(as_app, statement, site_id)

    assert isinstance(refused, errors.InsufficientPrivilege)
    as_app.execute("SELECT count(*) FROM accounts_siteevent WHERE pgh_obj_id = %s", [site_id])
    assert as_app.fetchone() == (1,)


def test_it_cannot_skip_an_append_only_trigger_where_its_rights_would_allow_the_delete(as_app):
    """The access log is a clinical table (DELETE granted): only the trigger guards it."""
    from accounts.models import AccessEvent

    as_app.execute(
        "INSERT INTO accounts_accessevent (kind, username, path, occurred_at)"
        " VALUES ('login', 'probe', '/login/', now()) RETURNING id"
    )
    (event_id,) = as_app.fetchone()
    protect = _trigger_id(AccessEvent, "access_event_append_only")
    as_app.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + protect + "}"])
    as_app.execute("SAVEPOINT written")

    refused = _refused(as_app, "DELETE FROM accounts_accessevent WHERE id = %s", event_id)

    assert isinstance(refused, errors.RaiseException)
    assert "Cannot update or delete rows" in str(refused)


def test_it_cannot_disable_a_trigger(as_app):
    _site_with_events(as_app)

    refused = _refused(as_app, "ALTER TABLE accounts_siteevent DISABLE TRIGGER ALL")

    assert isinstance(refused, errors.InsufficientPrivilege)  # must be owner of table


def test_it_cannot_turn_off_triggers_by_session_replication_role(as_app):
    _site_with_events(as_app)

    refused = _refused(as_app, "SET session_replication_role = replica")

    assert isinstance(refused, errors.InsufficientPrivilege)


def test_an_update_skipping_the_tracking_trigger_is_still_recorded(as_app):
    site_id = _site_with_events(as_app)
    tracking = _trigger_id(Site, "update_update")
    as_app.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + tracking + "}"])

    as_app.execute("UPDATE accounts_site SET name = 'CHU Untracked?' WHERE id = %s", [site_id])

    as_app.execute(
        "SELECT pgh_label, name FROM accounts_siteevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
        [site_id],
    )
    assert as_app.fetchall() == [("insert", "CHU Probe"), ("update", "CHU Untracked?")]


def test_a_raw_update_without_audit_context_is_recorded_with_an_empty_context(as_app):
    site_id = _site_with_events(as_app)

    as_app.execute("UPDATE accounts_site SET active = false WHERE id = %s", [site_id])

    as_app.execute(
        "SELECT pgh_context FROM accounts_siteevent WHERE pgh_obj_id = %s AND pgh_label = 'update'",
        [site_id],
    )
    assert as_app.fetchall() == [(None,)]  # no user, no reason: verification flags it


def test_the_owner_may_still_skip_a_trigger_in_a_migration(roles):
    """pgtrigger.ignore keeps working for the role that migrates (and for a superuser)."""
    db = connection.settings_dict
    with (
        psycopg2.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            dbname=db["NAME"],
            user=roles.owner,
            password=roles.owner_password,
        ) as as_owner,
        as_owner.cursor() as cursor,
    ):
        cursor.execute("SELECT public._pgtrigger_should_ignore('some_trigger')")
        assert cursor.fetchone() == (False,)
        cursor.execute("SET LOCAL pgtrigger.ignore = '{some_trigger}'")
        cursor.execute("SELECT public._pgtrigger_should_ignore('some_trigger')")
        assert cursor.fetchone() == (True,)
        as_owner.rollback()
    as_owner.close()


@pytest.mark.django_db
def test_migrate_gives_back_exactly_the_grants_and_the_guard(roles, settings):
    """A migration that reinstalls pgtrigger's function, or a stray grant, is undone."""
    settings.DB_OWNER_ROLE, settings.DB_APP_ROLE = roles.owner, roles.app
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE, DELETE ON accounts_siteevent TO {roles.app}")
        cursor.execute(
            "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)"
            " RETURNS BOOLEAN AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql"
        )

    call_command("migrate", verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'accounts_siteevent', 'TRUNCATE'),"
            " has_table_privilege(%s, 'accounts_siteevent', 'DELETE'),"
            " has_table_privilege(%s, 'accounts_siteevent', 'INSERT')",
            [roles.app, roles.app, roles.app],
        )
        assert cursor.fetchone() == (False, False, True)
        cursor.execute(f"SET LOCAL ROLE {roles.app}")
        cursor.execute("SET LOCAL pgtrigger.ignore = '{some_trigger}'")
        cursor.execute("SELECT public._pgtrigger_should_ignore('some_trigger')")
        assert cursor.fetchone() == (False,)
        cursor.execute("RESET ROLE")


def _privileges_and_owners() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relacl::text, pg_get_userbyid(c.relowner)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' ORDER BY c.relname"
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_command_run_twice_changes_nothing(roles, settings):
    settings.DB_OWNER_ROLE, settings.DB_APP_ROLE = roles.owner, roles.app
    before = _privileges_and_owners()
    output = StringIO()

    call_command("setup_database_roles", stdout=output)

    assert _privileges_and_owners() == before
    assert f"{roles.app} reads and writes rows only" in output.getvalue()


@pytest.mark.django_db
def test_the_command_refuses_to_demote_a_superuser(roles, settings):
    """DB_APP_ROLE naming the server's superuser must not strip it of its rights."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (superuser,) = cursor.fetchone()
    settings.DB_OWNER_ROLE, settings.DB_APP_ROLE = roles.owner, superuser

    with pytest.raises(CommandError, match="is a superuser"):
        call_command("setup_database_roles")

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (True,)


@contextmanager
def _the_app_connected_as(role: str, password: str | None) -> Iterator[None]:
    """Point Django's own connection at another role, as the web app's settings would."""
    saved = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    connection.close()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = role, password
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = saved


@pytest.mark.django_db(transaction=True)
def test_the_app_screens_and_randomizes_as_the_application_role(roles, frozen_today):
    with _the_app_connected_as(roles.app, roles.app_password):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (roles.app,)
        site = SiteFactory(number=5, name="CHU Nantes")
        coordinator = UserFactory(username="coord_nantes", role=Role.COORDINATOR, sites=[site])
        patient = screen_patient(site=site, user=coordinator)
        allocation = patient_randomize(patient=patient, user=coordinator, regimen=Regimen.INTENSIVE)

        assert allocation.arm
        PatientEvent = apps.get_model("patients", "PatientEvent")
        assert PatientEvent.objects.filter(pgh_obj_id=patient.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_owner_alone_can_reapply_the_grants(roles):
    """Connected as the owner (no right to create roles), the command applies the grants."""
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON accounts_siteevent TO {roles.app}")

    with _the_app_connected_as(roles.owner, roles.owner_password):
        database_roles_setup(roles=roles)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'accounts_siteevent', 'TRUNCATE')", [roles.app]
        )
        assert cursor.fetchone() == (False,)
