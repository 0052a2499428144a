"""How fast the follow-up visits export streams through the REST API, next to PostgreSQL's COPY.

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/export.py --patients 10000 40000

DATABASE_URL names a PostgreSQL server this script may create databases on (as a superuser:
the seeding turns the audit triggers off for its session); it creates its own throwaway
database (trialsite_bench_export) there and migrates it. For each number of patients, in
increasing order, it tops the database up with bulk SQL to that many patients with about 25
follow-up visits each, then in one run:

- times PostgreSQL's own `COPY (SELECT ...) TO STDOUT WITH CSV` of the same rows, columns and
  joins as the export, into a sink that counts bytes and lines: the floor;
- serves the app with gunicorn (one sync worker, restarted for each size so that its peak
  memory belongs to that size) and downloads GET /api/v1/exports/follow-up-visits.csv as a
  data manager over plain HTTP, counting bytes and lines, while sampling the worker's RSS.

It prints rows, seconds and the ratio API / COPY for each size, the worker's peak RSS, and
the ratio of the peak at the largest size to that at the smallest, each with PASS or FAIL
against the targets (API within 3x of COPY; memory flat within 1.2x). The exit code is 1
when a target is missed or the two row counts differ. With --profile, it also runs the
export's CSV generator in this process under cProfile at the largest size and prints where
the time goes. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import http.client
import json
import os
import pstats
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import harness
import psutil
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DATABASE = "trialsite_bench_export"
USERNAME = "bench_data_manager"
PASSWORD = "bench-data-manager-password-0123"  # a throwaway account in a throwaway database
DATASET = "follow-up-visits"
SITES = 99  # site numbers are two digits (01-99)
MAX_RATIO = 3.0
MAX_MEMORY_GROWTH = 1.2
RSS_SAMPLE_SECONDS = 0.02


@dataclass
class Download:
    """What one export delivered, and how long it took."""

    seconds: float = 0.0
    bytes: int = 0
    lines: int = 0
    rows: int = 0  # data rows: lines less the header and comment lines
    trailer: str = ""  # the export's own last line, "# rows=N; sha256=..."


@dataclass
class Measure:
    patients: int
    copy: Download
    api: Download
    idle_rss: int  # the worker's RSS just before the download
    peak_rss: int  # the highest RSS sampled during it

    @property
    def ratio(self) -> float:
        return self.api.seconds / self.copy.seconds


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _tables() -> dict[str, str]:
    from accounts.models import Site
    from patients.models import Patient
    from visits.models import FollowUpVisit

    return {
        "site": Site._meta.db_table,
        "patient": Patient._meta.db_table,
        "visit": FollowUpVisit._meta.db_table,
    }


def _create_sites_and_data_manager() -> int:
    """Create the sites and a data manager (who sees every site) through the app; return the
    data manager's id."""
    from django.db import connections

    from accounts.models import Role, Site
    from accounts.services import staff_account_create

    Site.objects.bulk_create(
        Site(number=n, name=f"Bench hospital {n:02d}") for n in range(1, SITES + 1)
    )
    user = staff_account_create(username=USERNAME, password=PASSWORD, role=Role.DATA_MANAGER)
    connections.close_all()
    return user.pk


def _seed(database_url: str, *, first: int, last: int, visits: int, user_id: int) -> None:
    """Add patients number `first` to `last - 1` (spread over the sites), each with `visits`
    follow-up visits, with set-based SQL: seconds for a million rows.

    Most visits are done, one in ten is missed (with a reason that CSV must quote) and the
    last few are still to come, so every column of the export carries typical values.
    """
    t = _tables()
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cursor:
            # Throwaway database only (and a superuser's right): `replica` turns off the
            # ordinary triggers for this session, i.e. pghistory's audit events (a second
            # million-row table per million rows seeded, which nothing here reads) and the
            # foreign-key checks, which these generated ids satisfy anyway.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                f"""
                INSERT INTO {t["patient"]} (study_id, site_id, sequence, sex, year_of_birth,
                                            created_at, updated_at, created_by_id)
                SELECT to_char(s.number, 'FM00') || '-' || to_char(i / {SITES} + 1, 'FM000'),
                       s.id, i / {SITES} + 1, CASE WHEN i %% 2 = 0 THEN 'F' ELSE 'M' END,
                       1940 + i %% 50, now(), now(), %(user)s
                FROM generate_series(%(first)s, %(last)s - 1) AS i
                JOIN {t["site"]} s ON s.number = i %% {SITES} + 1
                """,
                {"first": first, "last": last, "user": user_id},
            )
            cursor.execute(
                f"UPDATE {t['site']} s SET last_patient_sequence = p.top "
                f"FROM (SELECT site_id, max(sequence) AS top FROM {t['patient']} "
                f"GROUP BY site_id) p WHERE p.site_id = s.id"
            )
            # Every 3 months to month 24 (window +/- 14 days), then every 6 (+/- 30 days).
            cursor.execute(
                f"""
                INSERT INTO {t["visit"]} (patient_id, month, target_on, window_opens_on,
                    window_closes_on, performed_on, vital_status, disease_status, new_therapy,
                    transplant_since_last, missed_reason, version, created_at, updated_at,
                    created_by_id)
                SELECT v.patient_id, v.month, v.target_on, v.target_on - v.window_days,
                       v.target_on + v.window_days,
                       CASE WHEN v.state = 'done'
                            THEN v.target_on + (v.patient_id %% 7 - 3)::int END,
                       CASE WHEN v.state = 'done' THEN 'alive' ELSE '' END,
                       CASE WHEN v.state = 'done' THEN 'remission' ELSE '' END,
                       '', NULL,
                       CASE WHEN v.state = 'missed'
                            THEN 'Could not travel, "seen" by the GP by phone' ELSE '' END,
                       1, now() - make_interval(secs => v.patient_id * 37 + v.k), now(),
                       %(user)s
                FROM (
                    SELECT p.id AS patient_id, k.k,
                           CASE WHEN k.k <= 8 THEN 3 * k.k ELSE 24 + 6 * (k.k - 8) END AS month,
                           DATE '2019-01-01' + (p.id %% 700)::int
                               + (CASE WHEN k.k <= 8 THEN 91 * k.k
                                  ELSE 728 + 182 * (k.k - 8) END) AS target_on,
                           CASE WHEN k.k <= 8 THEN 14 ELSE 30 END AS window_days,
                           CASE WHEN k.k > %(visits)s - 3 THEN 'planned'
                                WHEN (p.id + k.k) %% 10 = 0 THEN 'missed'
                                ELSE 'done' END AS state
                    FROM {t["patient"]} p
                    CROSS JOIN generate_series(1, %(visits)s) AS k(k)
                    WHERE NOT EXISTS (SELECT 1 FROM {t["visit"]} f WHERE f.patient_id = p.id)
                ) v
                """,
                {"visits": visits, "user": user_id},
            )
        conn.autocommit = True  # VACUUM runs outside a transaction
        with conn.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {t['patient']}, {t['visit']}")
    finally:
        conn.close()


def _copy_sql() -> str:
    """The export's query for an all-sites account, as PostgreSQL's COPY runs it."""
    t = _tables()
    return (
        f"COPY (SELECT p.study_id, s.number, v.month, v.target_on, v.window_opens_on, "
        f"v.window_closes_on, v.performed_on, v.vital_status, v.disease_status, "
        f"v.new_therapy, v.transplant_since_last, v.missed_reason, v.updated_at "
        f"FROM {t['visit']} v JOIN {t['patient']} p ON p.id = v.patient_id "
        f"JOIN {t['site']} s ON s.id = p.site_id "
        f"WHERE p.site_id IN (SELECT id FROM {t['site']}) "
        f"ORDER BY v.id) TO STDOUT WITH (FORMAT csv, HEADER)"
    )


class _CountingSink:
    """A file-like object that keeps nothing but the number of bytes and lines."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0

    def write(self, data: bytes | str) -> int:
        if isinstance(data, str):
            data = data.encode()
        self.bytes += len(data)
        self.lines += data.count(b"\n")
        return len(data)


def _copy_export(database_url: str) -> Download:
    sql = _copy_sql()
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            sink = _CountingSink()
            began = time.perf_counter()
            cursor.copy_expert(sql, sink, size=65536)
            seconds = time.perf_counter() - began
        conn.rollback()
    finally:
        conn.close()
    return Download(
        seconds=seconds, bytes=sink.bytes, lines=sink.lines, rows=sink.lines - 1
    )  # less the header


def _workers(master: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(master.pid).children()


class _RssSampler(threading.Thread):
    """Sample the RSS of the gunicorn workers until stopped; keep the highest."""

    def __init__(self, master: subprocess.Popen) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for worker in _workers(self.master):
                with contextlib.suppress(psutil.NoSuchProcess):
                    self.peak = max(self.peak, worker.memory_info().rss)
            self.done.wait(RSS_SAMPLE_SECONDS)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def _api_export(port: int, token: str) -> Download:
    """Download the CSV as a plain client would, reading it in 64 KiB pieces."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    download = Download()
    last = b""
    try:
        began = time.perf_counter()
        conn.request(
            "GET", f"/api/v1/exports/{DATASET}.csv", headers={"Authorization": f"Token {token}"}
        )
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"export answered {response.status}: {response.read()[:500]!r}")
        while piece := response.read(65536):
            download.bytes += len(piece)
            download.lines += piece.count(b"\n")
            last = (last + piece)[-200:]
        download.seconds = time.perf_counter() - began
    finally:
        conn.close()
    download.trailer = last.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()
    download.rows = download.lines - 3  # less the leading comment, header and trailer
    return download


def _measure(env: dict[str, str], database_url: str, patients: int, log) -> Measure:
    _copy_export(database_url)  # untimed: bring the tables into the buffer cache
    copy = _copy_export(database_url)
    port = harness.free_port()
    gunicorn = harness.start_gunicorn(env, port, log, timeout=600)
    try:
        status, body = harness.request(
            port, "POST", "/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"no token: {status} {body!r}")
        token = json.loads(body)["token"]
        # Warm the worker (imports, database connection, the export's code) on an empty table.
        status, body = harness.request(port, "GET", "/api/v1/exports/off-study.csv", token=token)
        if status != 200:
            raise RuntimeError(f"warm-up export answered {status}: {body[:500]!r}")
        idle_rss = max(w.memory_info().rss for w in _workers(gunicorn))
        sampler = _RssSampler(gunicorn)
        sampler.start()
        try:
            api = _api_export(port, token)
        finally:
            peak_rss = sampler.stop()
    finally:
        harness.stop(gunicorn)
    return Measure(patients=patients, copy=copy, api=api, idle_rss=idle_rss, peak_rss=peak_rss)


def _profile_generator(top: int) -> None:
    """Run the export's CSV generator in this process under cProfile; print the top lines."""
    from django.db import connections

    from accounts.models import User
    from endpoints.exports.tables import datasets, export_csv

    user = User.objects.get(username=USERNAME)
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    size = sum(len(chunk) for chunk in export_csv(datasets()[DATASET], user, dt.date.today()))
    profile.disable()
    print(
        f"\ncProfile of export_csv in-process: {_mb(size):.1f} MB of CSV in "
        f"{time.perf_counter() - began:.1f} s (under the profiler)"
    )
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    connections.close_all()


def _mb(size: int) -> float:
    return size / 2**20


def _report(measures: list[Measure]) -> tuple[bool, bool]:
    """Print the table and the verdicts; return whether the row counts agree and whether
    every target is met."""
    print(
        f"\n{DATASET}.csv: COPY (SELECT ...) TO STDOUT WITH CSV vs GET through gunicorn "
        f"(1 sync worker)"
    )
    print(
        f"{'patients':>9}{'rows':>11}{'COPY s':>9}{'API s':>9}{'ratio':>8}{'API MB':>9}"
        f"{'API rows/s':>12}{'idle RSS MB':>13}{'peak RSS MB':>13}"
    )
    for m in measures:
        print(
            f"{m.patients:>9}{m.api.rows:>11}{m.copy.seconds:>9.2f}{m.api.seconds:>9.2f}"
            f"{m.ratio:>7.1f}x{_mb(m.api.bytes):>9.1f}{m.api.rows / m.api.seconds:>12.0f}"
            f"{_mb(m.idle_rss):>13.1f}{_mb(m.peak_rss):>13.1f}"
        )
    print()
    counts_agree, targets_met = True, True
    for m in measures:
        agree = m.api.rows == m.copy.rows and m.api.trailer.startswith(f"# rows={m.api.rows};")
        counts_agree &= agree
        print(
            f"{m.patients} patients: row counts {'agree' if agree else 'DIFFER'} "
            f"(API {m.api.rows}, COPY {m.copy.rows}, trailer {m.api.trailer[:40]!r})"
        )
    for m in measures:
        passed = m.ratio <= MAX_RATIO
        targets_met &= passed
        print(
            f"{m.patients} patients: API / COPY {m.ratio:.1f}x, target <= {MAX_RATIO:g}x: "
            f"{'PASS' if passed else 'FAIL'}"
        )
    if len(measures) > 1:
        small, large = measures[0], measures[-1]
        growth = large.peak_rss / small.peak_rss
        passed = growth <= MAX_MEMORY_GROWTH
        targets_met &= passed
        print(
            f"peak RSS {large.patients} / {small.patients} patients: {growth:.2f}x, target <= "
            f"{MAX_MEMORY_GROWTH:g}x: {'PASS' if passed else 'FAIL'}"
        )
    return counts_agree, targets_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[10000, 40000])
    parser.add_argument("--visits-per-patient", type=int, default=25)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the CSV generator in-process at the largest size",
    )
    args = parser.parse_args()
    if any(n < 1 for n in args.patients) or max(args.patients) >= SITES * 1000:
        parser.error(f"--patients: between 1 and {SITES * 1000 - 1} (three-digit sequences)")
    if args.visits_per_patient < 4:
        parser.error("--visits-per-patient: at least 4")

    return harness.run_on_throwaway_database(
        parser, BENCH_DATABASE, lambda url, log: _bench(args, url, log)
    )


def _bench(args: argparse.Namespace, database_url: str, log) -> int:
    """Seed, measure each size in turn, report; return the exit code."""
    env = harness.environment(database_url)
    print(f"migrating {BENCH_DATABASE} ...", flush=True)
    harness.migrate(env)
    _setup_django(env)
    user_id = _create_sites_and_data_manager()
    measures, seeded = [], 0
    for patients in sorted(set(args.patients)):
        print(f"seeding to {patients} patients x {args.visits_per_patient} visits ...", flush=True)
        began = time.perf_counter()
        _seed(
            database_url,
            first=seeded,
            last=patients,
            visits=args.visits_per_patient,
            user_id=user_id,
        )
        seeded = patients
        print(f"  seeded in {time.perf_counter() - began:.1f} s; exporting ...", flush=True)
        measures.append(_measure(env, database_url, patients, log))
    counts_agree, targets_met = _report(measures)
    if args.profile:
        _profile_generator(top=25)
    if not counts_agree:
        log.seek(0)
        tail = log.read()[-2000:]
        if tail.strip():
            print("\ngunicorn log (tail):\n" + tail)
    return 0 if counts_agree and targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
