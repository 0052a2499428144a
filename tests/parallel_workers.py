"""Each pytest-xdist worker gets a Redis database of its own.

`make test` runs the suite on every core (pytest-xdist). pytest-django gives each worker its own
test database (test_trialsite_gw0, test_trialsite_gw1, ...); Redis has nothing of the kind, so
without this the workers would clear each other's cache between tests and a Celery worker
started by one test would take another's messages and write to the wrong database. Worker
gwN uses database N above REDIS_URL's (redis://127.0.0.1:6379/0 gives 0, 1, ...).

A plugin loaded with `-p` (pyproject's addopts), not a conftest: it must change REDIS_URL
before pytest-django imports the settings, which read it once, and the subprocesses the tests
start (Celery workers, gunicorn) inherit the changed environment.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default `databases`


def worker_redis_url(url: str, worker: str) -> str:
    """Return `url` moved to the Redis database of xdist worker `worker` ('gw0', 'gw1', ...)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + int(worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"xdist worker {worker} would need Redis database {database}: "
            f"start from a lower database in REDIS_URL or run fewer workers."
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


# REDIS_URL as the run was given it, before the move (the test of this module reads it).
CONFIGURED_REDIS_URL = os.environ.get("REDIS_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if WORKER and CONFIGURED_REDIS_URL:
    os.environ["REDIS_URL"] = worker_redis_url(CONFIGURED_REDIS_URL, WORKER)
