"""After each transactional test, the test database put back as migrate left it, in one go.

Django's TransactionTestCase empties the database with one TRUNCATE of every table (a new
file for each of the project's ~110 tables and their indexes: about a second) and then sends
post_migrate, which writes the content types, the permissions and the seeds again (about half
a second more). The ~200 transactional tests (browsers, Celery workers, demo loads, the
fingerprint's commits) paid that each: a tenth of the suite.

Instead, the rows the test database holds once it is ready (content types, permissions, the
migrations' and post_migrate's seeds) are copied once (`capture`), and after a transactional
test every table's rows are deleted and those rows copied back, in one transaction with
triggers and foreign-key checks off (session_replication_role = replica: the audit trail's
triggers record nothing of it, as TRUNCATE fired none of them), but for the audit chain's,
which seals the event rows copied back at commit, as post_migrate's seeds were sealed. The
sequences go on, as after Django's flush (reset_sequences=False).
tests/test_database_as_migrated.py holds the database equal to the captured one after a test
that wrote to it.

Django's own flush runs instead when the role may not set session_replication_role (only a
superuser may), or for a test case that flush would treat otherwise (available_apps, a
serialized rollback).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connections, transaction
from django.test import TransactionTestCase

_django_fixture_teardown = TransactionTestCase._fixture_teardown
# Filled by the database itself: the audit chain's trigger (enabled ALWAYS, so it fires in
# replica mode too) seals each event row copied back at commit, as it sealed the seeds' first.
SEALED_AT_COMMIT = ("audit_chainlink",)


@dataclass(frozen=True)
class AsMigrated:
    """Every table of the project's models, and the rows of those that held any (COPY text)."""

    tables: tuple[str, ...]
    rows: dict[str, bytes]


_captured: dict[str, AsMigrated] = {}


def capture(alias: str = "default") -> AsMigrated | None:
    """Copy the rows of the ready test database, and have transactional tests restore them;
    None, and Django's flush kept, when the role may not turn the triggers off."""
    connection = connections[alias]
    tables = tuple(
        sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    )
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Asked here, where refusing costs nothing: restore() needs it.
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:  # not a superuser: TRUNCATE and post_migrate as Django does
        return None
    rows = {table: text for table, text in table_rows(tables, alias).items() if text}
    _captured[alias] = AsMigrated(tables=tables, rows=rows)
    TransactionTestCase._fixture_teardown = _fixture_teardown
    return _captured[alias]


def table_rows(tables: tuple[str, ...], alias: str = "default") -> dict[str, bytes]:
    """Each table's rows as COPY text, but the audit chain's (sealed at commit)."""
    connection = connections[alias]
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in SEALED_AT_COMMIT:
                continue
            copied = io.BytesIO()
            quoted = connection.ops.quote_name(table)
            cursor.cursor.copy_expert(f"COPY {quoted} TO STDOUT", copied)
            rows[table] = copied.getvalue()
    return rows


def captured(alias: str = "default") -> AsMigrated:
    """The rows captured for this database."""
    return _captured[alias]


def restore(alias: str = "default") -> None:
    """Delete every row and copy the captured ones back, in one transaction."""
    connection, captured = connections[alias], _captured[alias]
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("".join(f"DELETE FROM {quote(table)};" for table in captured.tables))
        for table, rows in captured.rows.items():
            cursor.cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.BytesIO(rows))
    ContentType.objects.clear_cache()  # ids a test's writes may have cached


def _fixture_teardown(self: TransactionTestCase) -> None:
    aliases = list(self._databases_names(include_mirrors=False))
    plain = not (self.available_apps is not None or self.serialized_rollback)
    if plain and all(alias in _captured for alias in aliases):
        for alias in aliases:
            restore(alias)
    else:
        _django_fixture_teardown(self)
