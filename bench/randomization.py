"""How fast patients are randomized through the REST API, next to the floor of a plain INSERT.

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/randomization.py --patients 400

DATABASE_URL names a PostgreSQL server this script may create databases on; it creates its
own throwaway database (trialsite_bench) there, migrates it, screens the patients through
the real services, serves the app with gunicorn as in production, and has N clients (16 by
default) randomize every patient at once over HTTP with a token. The floor is the same
number of single-row INSERTs from as many clients, each on its own autocommit connection:
the least a write can cost on this server. The database is dropped at the end.

A randomization is one transaction holding two row locks (the patient, then the stratum),
so requests within a stratum queue; the ratio to the floor says what that, Django, DRF and
the audit triggers cost together.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DATABASE = "trialsite_bench"
USERNAME = "bench_coordinator"
PASSWORD = "bench-coordinator-password-0123"  # a throwaway account in a throwaway database
REGIMENS = ("intensive", "azacitidine")


@dataclass
class Run:
    """Latencies of one timed run, its wall time and what the operations answered."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    wall_seconds: float = 0.0

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_seconds


def _screening_values(today: dt.date, year_of_birth: int) -> dict[str, object]:
    """A typical eligible patient in first relapse, every date in the recent past."""
    consent_on = today - dt.timedelta(days=20)
    return {
        "consent_on": consent_on,
        "screened_on": consent_on + dt.timedelta(days=1),
        "age_at_consent": consent_on.year - year_of_birth - 1,
        "diagnosis_on": today - dt.timedelta(days=700),
        "disease_status": "first_relapse",
        "disease_status_on": today - dt.timedelta(days=40),
        "ecog": 1,
        "wbc": "4.20",
        "marrow_blasts_pct": "32.0",
        "cytogenetic_risk": "intermediate",
        "eln_risk": "intermediate",
        "mutations": {"FLT3-ITD": "detected", "NPM1": "not_detected"},
        "prior_lines": 1,
        "prior_allo_hsct": False,
    }


def _seed(env: dict[str, str], *, patients: int, sites: int) -> list[tuple[str, str]]:
    """Create the sites and their coordinator, screen the patients; return (study ID, regimen).

    Regimens alternate at each site, so the patients fall into sites x 2 strata.
    """
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    import protocol
    from accounts.models import Role, Site
    from accounts.services import staff_account_create
    from patients.services import patient_screen

    all_sites = [
        Site.objects.create(number=n, name=f"Bench hospital {n}") for n in range(1, sites + 1)
    ]
    user = staff_account_create(
        username=USERNAME, password=PASSWORD, role=Role.COORDINATOR, sites=all_sites
    )
    answers = {
        c.code: c.kind is protocol.CriterionKind.INCLUSION for c in protocol.ELIGIBILITY_CRITERIA
    }
    today = timezone.localdate()
    planned = []
    for i in range(patients):
        patient = patient_screen(
            site=all_sites[i % sites],
            user=user,
            sex="F",
            year_of_birth=1960,
            screening=_screening_values(today, 1960),
            answers=answers,
        )
        planned.append((patient.study_id, REGIMENS[(i // sites) % len(REGIMENS)]))
    connections.close_all()
    return planned


def _timed(
    jobs: list,
    clients: int,
    act: Callable[[object, object], str],
    connect: Callable[[], object] = lambda: None,
    disconnect: Callable[[object], None] = lambda _: None,
) -> Run:
    """Run `act(connection, job)` for every job from `clients` threads started together.

    Each thread opens its own connection before the start (not timed) and takes the next job
    as soon as it is free. `act` returns a word for the outcome (e.g. the HTTP status).
    """
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)
    run, gathered = Run(), threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        try:
            conn = connect()
        except BaseException:
            start.abort()  # release the others rather than wait for a client that never comes
            raise
        try:
            start.wait()
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                try:
                    outcome = act(conn, job)
                except Exception as exc:
                    outcome = f"{type(exc).__name__}: {exc}"
                latency = time.perf_counter() - began
                with gathered:
                    run.latencies.append(latency)
                    run.outcomes[outcome] += 1
        finally:
            disconnect(conn)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run.wall_seconds = time.perf_counter() - began
    return run


def _randomize_all(port: int, token: str, planned: list[tuple[str, str]], clients: int) -> Run:
    def randomize(_conn, job) -> str:
        study_id, regimen = job
        status, body = harness.request(
            port, "POST", f"/api/v1/patients/{study_id}/randomize/", {"regimen": regimen}, token
        )
        return str(status) if status == 201 else f"{status} {body[:200]!r}"

    return _timed(planned, clients, randomize)


def _insert_floor(database_url: str, planned: list[tuple[str, str]], clients: int) -> Run:
    with psycopg2.connect(database_url) as setup, setup.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_insert_floor (id bigserial PRIMARY KEY, "
            "study_id text NOT NULL, regimen text NOT NULL, "
            "inserted_at timestamptz NOT NULL DEFAULT now())"
        )
    setup.close()

    def connect():
        conn = psycopg2.connect(database_url)
        conn.autocommit = True
        return conn

    def insert(conn, job) -> str:
        with conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_insert_floor (study_id, regimen) VALUES (%s, %s)", job
            )
        return "inserted"

    return _timed(planned, clients, insert, connect, lambda conn: conn.close())


def _allocation_problems(database_url: str, expected: int) -> list[str]:
    """Return what is wrong with the allocations made over HTTP; empty when all is whole."""
    problems = []
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT patient_id), count(DISTINCT slot_id) "
            "FROM randomization_randomization"
        )
        rows, patients, slots = cursor.fetchone()
        if not rows == patients == slots == expected:
            problems.append(
                f"{rows} randomizations of {patients} patients using {slots} "
                f"slots; expected {expected} of each"
            )
        cursor.execute(
            "SELECT s.key, s.allocations_used, count(r.id), min(r.sequence), max(r.sequence), "
            "count(*) FILTER (WHERE r.arm <> a.arm) "
            "FROM randomization_stratum s "
            "JOIN randomization_randomization r ON r.stratum_id = s.id "
            "JOIN randomization_allocationslot a ON a.id = r.slot_id "
            "GROUP BY s.id ORDER BY s.key"
        )
        for key, used, count, first, last, wrong_arm in cursor.fetchall():
            if not (used == count == last and first == 1):
                problems.append(
                    f"{key}: {count} randomizations at positions {first}..{last}, counter {used}"
                )
            if wrong_arm:
                problems.append(f"{key}: {wrong_arm} arms differ from their slot")
    conn.close()
    return problems


def _report(randomize: Run, floor: Run, *, clients: int, workers: int) -> None:
    print(
        f"\n{len(randomize.latencies)} operations each, {clients} concurrent clients, "
        f"gunicorn --workers {workers}"
    )
    print(f"{'':28}{'wall s':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, run in (("randomize (REST API)", randomize), ("plain INSERT (floor)", floor)):
        print(
            f"{name:28}{run.wall_seconds:8.2f}{run.throughput:9.1f}"
            f"{run.percentile(50) * 1000:9.1f}{run.percentile(95) * 1000:9.1f}"
            f"{run.percentile(99) * 1000:9.1f}{max(run.latencies) * 1000:9.1f}"
        )
    p95_ratio = randomize.percentile(95) / floor.percentile(95)
    throughput_ratio = randomize.throughput / floor.throughput
    print(f"\nratio p95 latency, randomize / INSERT: {p95_ratio:.1f}x")
    print(
        f"ratio throughput, randomize / INSERT: {throughput_ratio:.3f} "
        f"(the INSERT floor is {1 / throughput_ratio:.1f}x faster)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--sites", type=int, default=2, help="strata = sites x 2 regimens")
    args = parser.parse_args()

    return harness.run_on_throwaway_database(
        parser, BENCH_DATABASE, lambda url, log: _bench(args, url, log)
    )


def _bench(args: argparse.Namespace, database_url: str, log) -> int:
    """Seed the throwaway database, serve it, time both runs and report; return the exit code."""
    env = harness.environment(database_url)
    print(f"migrating {BENCH_DATABASE} ...", flush=True)
    harness.migrate(env)
    print(f"screening {args.patients} patients at {args.sites} sites ...", flush=True)
    planned = _seed(env, patients=args.patients, sites=args.sites)

    port = harness.free_port()
    gunicorn = harness.start_gunicorn(env, port, log, workers=args.workers)
    try:
        status, body = harness.request(
            port, "POST", "/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"no token: {status} {body!r}")
        token = json.loads(body)["token"]
        # Warm every worker (first request, database connection) before timing.
        _timed(
            [planned[0][0]] * (4 * args.workers),
            args.clients,
            lambda _conn, study_id: str(
                harness.request(port, "GET", f"/api/v1/patients/{study_id}/", token=token)[0]
            ),
        )
        print(f"randomizing {len(planned)} patients over HTTP ...", flush=True)
        randomize = _randomize_all(port, token, planned, args.clients)
    finally:
        harness.stop(gunicorn)
    print(f"{len(planned)} plain INSERTs ...", flush=True)
    floor = _insert_floor(database_url, planned, args.clients)

    _report(randomize, floor, clients=args.clients, workers=args.workers)
    print(f"\nrandomize answers: {dict(randomize.outcomes)}")
    problems = _allocation_problems(database_url, expected=len(planned))
    print(
        "allocations: "
        + (
            "; ".join(problems)
            if problems
            else "every patient once, positions 1..n per stratum, arms as in the slots"
        )
    )
    failed = bool(problems) or set(randomize.outcomes) != {"201"}
    if failed:
        log.seek(0)
        print("\ngunicorn log (tail):\n" + log.read()[-4000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
