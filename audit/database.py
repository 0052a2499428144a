"""Least privilege in the database: an owner role migrates, an application role only writes rows.

The application's own login must not be able to erase or bypass the audit trail (21 CFR Part
11 §11.10(e)). So two roles, neither a superuser:

- the **owner** owns the schema objects and runs the migrations;
- the **application role** (web, worker, beat) may read and write clinical rows, only read and
  add audit events, only read the tables `audit.chain.READ_ONLY_FOR_APP` names, and nothing else:
  no TRUNCATE, REFERENCES or TRIGGER, not the owner (so no ALTER TABLE … DISABLE TRIGGER), not a
  superuser (so no `SET session_replication_role`).

The privileges are read from the model registry, not from a hand list, and are applied again
after every `migrate` (see `database_privileges_after_migrate`), so a new table is never left
without its grants nor with more than its kind allows.

pgtrigger lets any session skip a trigger by setting `pgtrigger.ignore`; every migration that
installs a trigger reinstalls the function that reads it. `database_privileges_apply` replaces
that function after each `migrate` so that only its owner (the role that migrates) or a superuser
may skip a trigger; for the application role the tracking and append-only triggers always run.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)

SCHEMA = "public"
CLINICAL_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
AUDIT_EVENT_PRIVILEGES = ("SELECT", "INSERT")
READ_ONLY_PRIVILEGES = ("SELECT",)
# Django reads its migration history at start-up (runserver's check) and in makemigrations.
_READ_ONLY_BOOKKEEPING = ("django_migrations",)

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# pgtrigger's function (compiler.py, the same name and signature), with one change: the
# setting is obeyed only for the function's owner (the role that migrates) or a superuser.
# The setting is read first, so a write that skips nothing costs no role look-up.
_SHOULD_IGNORE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION "{SCHEMA}"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NULL OR NOT (trigger_name = ANY(_pgtrigger_ignore)) THEN
            RETURN FALSE;
        END IF;
        -- issue 12: the application role cannot skip the audit or append-only triggers.
        RETURN pg_has_role(
            current_user,
            (SELECT proowner FROM pg_proc
              WHERE oid = '"{SCHEMA}"._pgtrigger_should_ignore(name)'::regprocedure),
            'MEMBER'
        );
    END;
$$ LANGUAGE plpgsql;
"""


class DatabaseRolesError(Exception):
    """The roles cannot be set up as configured (a name, a superuser, a missing role)."""


@dataclass(frozen=True)
class DatabaseRoles:
    """The two roles' names, and the passwords to set (None: leave the password as it is)."""

    owner: str
    app: str
    owner_password: str | None = None
    app_password: str | None = None

    def __post_init__(self) -> None:
        for name in (self.owner, self.app):
            if not _ROLE_NAME.match(name):
                raise DatabaseRolesError(
                    f"{name!r} is not a role name we accept: lower-case letters, digits and _."
                )
        if self.owner == self.app:
            raise DatabaseRolesError("The owner and the application role must be two roles.")


def database_roles_from_settings() -> DatabaseRoles:
    """Return the roles named by DB_OWNER_ROLE and DB_APP_ROLE, with their passwords if set."""
    return DatabaseRoles(
        owner=settings.DB_OWNER_ROLE,
        app=settings.DB_APP_ROLE,
        owner_password=settings.DB_OWNER_PASSWORD or None,
        app_password=settings.DB_APP_PASSWORD or None,
    )


def read_only_tables_for_app() -> tuple[str, ...]:
    """Return the tables the application role may only read (the hash chain's, if present)."""
    try:
        chain = importlib.import_module("audit.chain")
    except ModuleNotFoundError as missing:
        if missing.name != "audit.chain":
            raise
        return ()
    return tuple(getattr(chain, "READ_ONLY_FOR_APP", ()))


def table_privileges_for_app() -> dict[str, tuple[str, ...]]:
    """Return each table's privileges for the application role, by its kind in the registry.

    Every pghistory event model (and pghistory's context table) is audit: read and add only.
    """
    read_only = set(read_only_tables_for_app()) | set(_READ_ONLY_BOOKKEEPING)
    privileges: dict[str, tuple[str, ...]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        table = model._meta.db_table
        if table in read_only:
            privileges[table] = READ_ONLY_PRIVILEGES
        elif issubclass(model, (pghistory.models.Event, pghistory.models.Context)):
            privileges[table] = AUDIT_EVENT_PRIVILEGES
        else:
            privileges[table] = CLINICAL_PRIVILEGES
    for table in read_only:
        privileges[table] = READ_ONLY_PRIVILEGES
    return privileges


def database_roles_setup(*, roles: DatabaseRoles, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create or update both roles, make the owner own the database, then apply the grants.

    As a superuser: everything, idempotently. As the owner (no right to create roles): the
    roles must exist already, and only the grants are applied.
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if _is_superuser(cursor):
            _roles_create_or_update(cursor, roles)
            database = connection.settings_dict["NAME"]
            cursor.execute(f"ALTER DATABASE {_quoted(database)} OWNER TO {roles.owner}")
            cursor.execute(f"REVOKE ALL ON DATABASE {_quoted(database)} FROM PUBLIC")
            cursor.execute(f"GRANT CONNECT ON DATABASE {_quoted(database)} TO {roles.app}")
            cursor.execute(f"ALTER SCHEMA {SCHEMA} OWNER TO {roles.owner}")
        elif _current_user(cursor) != roles.owner:
            raise DatabaseRolesError(
                "Set up the database roles as a superuser, or as the owner role "
                f"({roles.owner}) once they exist."
            )
        elif not _role_exists(cursor, roles.app):
            raise DatabaseRolesError(
                f"The application role {roles.app} does not exist: run this once as a superuser."
            )
        _privileges_apply(cursor, roles)


def database_privileges_apply(*, roles: DatabaseRoles, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give every table exactly its kind's privileges and stop the app role skipping triggers."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _privileges_apply(cursor, roles)


def database_privileges_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Re-apply the privileges once `migrate` is over (post_migrate is sent once per app).

    A database without the two roles (a developer's or a test database) is left alone; the
    application there connects as the role that migrated it.
    """
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is not last:
        return
    roles = database_roles_from_settings()
    with connections[using].cursor() as cursor:
        if not (_role_exists(cursor, roles.owner) and _role_exists(cursor, roles.app)):
            return
        if not (_is_superuser(cursor) or _current_user(cursor) == roles.owner):
            logger.warning(
                "migrate ran as %s, neither the owner (%s) nor a superuser: grants not applied",
                _current_user(cursor),
                roles.owner,
            )
            return
    database_privileges_apply(roles=roles, using=using)


def _privileges_apply(cursor: CursorWrapper, roles: DatabaseRoles) -> None:
    _objects_give_to_owner(cursor, roles.owner)
    cursor.execute(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC")
    cursor.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {roles.app}")
    # Revoke, then grant exactly: a table whose kind changed keeps nothing it had before.
    cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC, {roles.app}")
    cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM PUBLIC, {roles.app}")
    wanted = table_privileges_for_app()
    by_privileges: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
    for table in _existing_tables(cursor):
        if table in wanted:
            by_privileges[wanted[table]].append(table)
    for privileges, tables in by_privileges.items():
        cursor.execute(
            f"GRANT {', '.join(privileges)} ON TABLE "
            f"{', '.join(_quoted(table) for table in sorted(tables))} TO {roles.app}"
        )
    cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {roles.app}")
    cursor.execute(_SHOULD_IGNORE_FUNCTION)
    # Its owner is who may skip a trigger, and who may replace it in a later migration.
    cursor.execute(
        f'ALTER FUNCTION "{SCHEMA}"._pgtrigger_should_ignore(name) OWNER TO {roles.owner}'
    )


def _roles_create_or_update(cursor: CursorWrapper, roles: DatabaseRoles) -> None:
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    for name, password in ((roles.owner, roles.owner_password), (roles.app, roles.app_password)):
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [name])
        row = cursor.fetchone()
        if row is not None and row[0]:
            raise DatabaseRolesError(
                f"{name} is a superuser: the owner and the application role must be roles "
                "of their own, not the one that set up the server."
            )
        verb = "CREATE" if row is None else "ALTER"
        if password is None:
            cursor.execute(f"{verb} ROLE {name} {attributes}")
        else:
            cursor.execute(f"{verb} ROLE {name} {attributes} PASSWORD %s", [password])
    # Not a member of the owner, directly or not: it would inherit the right to alter tables.
    cursor.execute(
        "SELECT pg_has_role(%s, %s, 'MEMBER'), pg_has_role(%s, %s, 'MEMBER')",
        [roles.app, roles.owner, roles.owner, roles.app],
    )
    app_in_owner, owner_in_app = cursor.fetchone()
    if app_in_owner:
        cursor.execute(f"REVOKE {roles.owner} FROM {roles.app}")
    if owner_in_app:
        cursor.execute(f"REVOKE {roles.app} FROM {roles.owner}")


def _objects_give_to_owner(cursor: CursorWrapper, owner: str) -> None:
    """Make the owner own every table, view, sequence and function of the schema.

    Objects created by another role (tables migrated as a superuser before the roles existed)
    need a superuser to change hands; the owner alone finds nothing to change afterwards.
    """
    cursor.execute(
        """
        SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'
                              ELSE 'TABLE' END,
               format('%%I', c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
           AND c.relowner <> %s::regrole
           -- a table's own sequences (serial, identity) follow their table
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
         ORDER BY c.relkind = 'S', c.relname
        """,
        [SCHEMA, owner],
    )
    relations = cursor.fetchall()
    cursor.execute(
        """
        SELECT p.oid::regprocedure::text
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = %s AND p.prokind IN ('f', 'p') AND p.proowner <> %s::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
        """,
        [SCHEMA, owner],
    )
    routines = [routine for (routine,) in cursor.fetchall()]
    if (relations or routines) and not _is_superuser(cursor):
        raise DatabaseRolesError(
            f"{len(relations) + len(routines)} objects are not owned by {owner}: run "
            "`manage.py setup_database_roles` once as a superuser."
        )
    for kind, relation in relations:
        cursor.execute(f"ALTER {kind} {SCHEMA}.{relation} OWNER TO {owner}")
    for routine in routines:
        cursor.execute(f"ALTER ROUTINE {routine} OWNER TO {owner}")


def _existing_tables(cursor: CursorWrapper) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        [SCHEMA],
    )
    return [table for (table,) in cursor.fetchall()]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _current_user(cursor: CursorWrapper) -> str:
    cursor.execute("SELECT current_user")
    return cursor.fetchone()[0]


def _is_superuser(cursor: CursorWrapper) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def _role_exists(cursor: CursorWrapper, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone() is not None
