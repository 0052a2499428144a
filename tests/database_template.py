"""The test databases are copies of one migrated template, built once per state of the code.

Applying the project's migrations takes about 50 s of CPU (Django re-renders the models'
state at each of ~200 trigger and field operations), and every pytest-xdist worker paid it
for its own test database at each run. Instead, before the workers start, this plugin makes
sure the PostgreSQL server holds a template database migrated from the code as it stands:
`trialsite_template_<key>`, where the key is a hash of every Python file outside the tests
and benchmarks and of the installed packages' versions, so any change to a model, a
migration, a seed or a dependency builds a new one. Each worker's test database is then
created from it (`CREATE DATABASE ... TEMPLATE`, a file copy) and `migrate` finds nothing left
to apply; its post-migrate steps (the audit chain's trigger, permissions) still run as before.

A plugin loaded with `-p` (pyproject's addopts): it runs in the xdist controller before the
workers exist, and they inherit the template's name through the environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "trialsite_template_"
ENVIRONMENT = "TRIALSITE_TEST_TEMPLATE"
# Not part of what migrate builds: the suite itself, benchmarks, installed and built files.
STALE_SECONDS = 3600
NOT_SCHEMA = {"tests", "bench", ".venv", "node_modules", ".git", "static", "staticfiles"}


def code_key() -> str:
    """A hash of what `migrate` builds from: the project's Python files and the packages."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_SCHEMA:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    # A set: the project's own egg-info is found once more when the checkout is on sys.path.
    packages = sorted(
        {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()}
    )
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()[:16]


def _on_server(server_url: str, statement: str, values: tuple = ()) -> list[tuple]:
    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def _database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def template_ensure(database_url: str) -> str:
    """Return the name of the migrated template of the code as it stands, building it if the
    server has none. Built under a name of its own and renamed once migrated, so a run that
    stops half-way, or another run building the same template, never leaves a partial one."""
    server = _database_url(database_url, "postgres")
    name = PREFIX + code_key()
    if _on_server(server, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)):
        return name
    building = f"{name}_{os.getpid()}"
    _on_server(server, f'DROP DATABASE IF EXISTS "{building}"')
    _on_server(server, f'CREATE DATABASE "{building}"')
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--run-syncdb", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": _database_url(database_url, building)},
            check=True,
            capture_output=True,
        )
        _on_server(server, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        _on_server(server, f"COMMENT ON DATABASE \"{name}\" IS '{time.time():.0f}'")
    except subprocess.CalledProcessError as error:
        _on_server(server, f'DROP DATABASE IF EXISTS "{building}"')
        raise RuntimeError(f"migrate failed on the template:\n{error.stderr.decode()}") from error
    except psycopg2.Error:
        _on_server(server, f'DROP DATABASE IF EXISTS "{building}"')
        if not _on_server(server, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)):
            raise  # not another run's template that won the rename: a real failure
    _templates_of_older_code_dropped(server, keep=name)
    return name


def _templates_of_older_code_dropped(server: str, *, keep: str) -> None:
    """Drop the templates built more than an hour ago for other code: a run of that code
    still going (another checkout) may be copying one right now."""
    templates = _on_server(
        server,
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname ~ %s",
        (f"^{PREFIX}[0-9a-f]{{16}}$",),
    )
    for name, built_at in templates:
        if name != keep and time.time() - float(built_at or 0) > STALE_SECONDS:
            with contextlib.suppress(psycopg2.Error):  # in use: dropped another time
                _on_server(server, f'DROP DATABASE IF EXISTS "{name}"')


def pytest_configure(config) -> None:
    """In the controller (or a run without workers): make sure the template exists."""
    if hasattr(config, "workerinput") or ENVIRONMENT in os.environ:
        return
    database_url = os.environ.get("DATABASE_URL")
    if not database_url or config.getoption("collectonly", default=False):
        return
    os.environ[ENVIRONMENT] = template_ensure(database_url)
