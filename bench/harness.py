"""What the benchmarks share: a throwaway database, production settings, gunicorn, HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def database_url(server_url: str, name: str) -> str:
    return urlparse(server_url)._replace(path=f"/{name}").geturl()


def on_server(server_url: str, *statements: str) -> None:
    """Run statements outside a transaction, as CREATE and DROP DATABASE require."""
    server = psycopg2.connect(server_url)
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        server.close()


def recreate_database(server_url: str, name: str) -> None:
    on_server(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")


def drop_database(server_url: str, name: str) -> None:
    # FORCE ends connections left behind, e.g. by a gunicorn worker that was killed.
    on_server(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def environment(url: str) -> dict[str, str]:
    """Production settings, on plain HTTP, with a throttle no benchmark client reaches."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trialsite.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-" + "0123456789abcdef" * 2,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_RATE": "100000/hour",
        "LOG_LEVEL": "WARNING",
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(
    port: int, method: str, path: str, body: dict | None = None, token: str | None = None
) -> tuple[int, bytes]:
    """One request on a fresh connection, as an unsophisticated client makes it."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(
    env: dict[str, str], port: int, log, *, workers: int = 1, timeout: int = 30
) -> subprocess.Popen:
    """Start the app as docker-compose does, and wait until it answers."""
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "trialsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if request(port, "GET", "/login/")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not start:\n{log.read()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_on_throwaway_database(parser, name: str, bench) -> int:
    """Create database `name` on the DATABASE_URL server, run `bench(url, log)` on it, and
    drop it whatever happens; return bench's exit code."""
    import tempfile

    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        parser.error(
            "set DATABASE_URL to a PostgreSQL server, e.g. "
            "postgres://postgres@127.0.0.1:5432/postgres"
        )
    recreate_database(server_url, name)
    try:
        with tempfile.TemporaryFile(mode="w+") as log:
            return bench(database_url(server_url, name), log)
    finally:
        drop_database(server_url, name)
