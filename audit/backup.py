"""The backup and restore drill (ICH E6(R3) 4.3.3): a backup counts only once it has restored.

`backup_drill` dumps the database with `pg_dump -Fc` inside one snapshot, counts every table's
rows in that same snapshot (so writes meanwhile do not make the counts disagree), restores the
dump into a fresh database with `pg_restore`, counts again there and recomputes the audit hash
chain of the copy. The fresh database is dropped afterwards unless asked to keep it.

It creates a database and restores objects with their owners: run it as a superuser (the
POSTGRES_USER of docker-compose), never as the application role.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.chain import ChainReport, verify_chain

SCHEMA = "public"


class BackupDrillFailed(Exception):
    """pg_dump or pg_restore refused: the backup could not be taken or restored."""


@dataclass
class DrillReport:
    """What the drill restored, which tables' row counts differ, and the copy's chain."""

    restored_database: str
    rows: dict[str, int] = field(default_factory=dict)
    mismatched: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    chain: ChainReport | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatched and self.chain is not None and self.chain.intact

    def lines(self) -> list[str]:
        lines = [
            f"Restored into {self.restored_database}: {len(self.rows)} tables, "
            f"{sum(self.rows.values())} rows."
        ]
        lines += [
            f"  {table}: {source} rows backed up, {restored} restored"
            for table, (source, restored) in sorted(self.mismatched.items())
        ]
        if self.chain is not None:
            lines += self.chain.lines()
        lines.append("Drill passed." if self.passed else "DRILL FAILED.")
        return lines


def backup_drill(
    *, using: str = DEFAULT_DB_ALIAS, dump_path: Path | None = None, keep: bool = False
) -> DrillReport:
    """Dump, restore into `<name>_restore_drill`, compare row counts and verify the chain."""
    server = connections[using]
    source = server.settings_dict
    restored_name = f"{source['NAME']}_restore_drill"
    report = DrillReport(restored_database=restored_name)
    with tempfile.TemporaryDirectory() as scratch:
        dump = dump_path or Path(scratch) / "trial.dump"
        with _connect(server, source["NAME"]) as snapshot_holder:
            # The dump and the counts read the same snapshot (pg_dump --snapshot).
            snapshot_holder.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with snapshot_holder.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
                report.rows = _row_counts(cursor)
                _run(source, "pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(dump))
            snapshot_holder.rollback()
        snapshot_holder.close()
        _database_recreate(server, restored_name)
        try:
            _run(source, "pg_restore", "--exit-on-error", "-d", restored_name, str(dump))
            with _connect(server, restored_name) as copy:
                with copy.cursor() as cursor:
                    restored_rows = _row_counts(cursor)
                report.chain = verify_chain(copy)
                copy.rollback()
            copy.close()
        finally:
            if not keep:
                _database_drop(server, restored_name)
    for table, count in report.rows.items():
        if restored_rows.get(table) != count:
            report.mismatched[table] = (count, restored_rows.get(table))
    return report


def _row_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT format('%%I', c.relname) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [SCHEMA],
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT count(*) FROM {SCHEMA}.{table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _connect(server: BaseDatabaseWrapper, database: str) -> Any:
    """A new DB-API connection to `database`, with the alias's parameters (and OPTIONS)."""
    parameters = server.get_connection_params()
    parameters["dbname"] = database
    return server.get_new_connection(parameters)


def _run(settings_dict: dict[str, Any], program: str, *arguments: str) -> None:
    """Run a PostgreSQL client program against the source server; its errors are ours."""
    environment = {**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""}
    connection_arguments = [
        f"--host={settings_dict['HOST'] or 'localhost'}",
        f"--port={settings_dict['PORT'] or 5432}",
        f"--username={settings_dict['USER']}",
    ]
    if program == "pg_dump":
        connection_arguments.append(f"--dbname={settings_dict['NAME']}")
    finished = subprocess.run(
        [program, *connection_arguments, *arguments],
        env=environment,
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise BackupDrillFailed(f"{program} failed: {finished.stderr.strip()}")


def _database_recreate(server: BaseDatabaseWrapper, name: str) -> None:
    _database_drop(server, name)
    with _maintenance(server) as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')


def _database_drop(server: BaseDatabaseWrapper, name: str) -> None:
    with _maintenance(server) as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _maintenance:
    """An autocommit cursor on the server's `postgres` database (CREATE/DROP DATABASE)."""

    def __init__(self, server: BaseDatabaseWrapper) -> None:
        self.connection = _connect(server, "postgres")
        self.connection.autocommit = True

    def __enter__(self) -> Any:
        return self.connection.cursor()

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
