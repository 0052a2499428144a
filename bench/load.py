"""Pages under load: simulated users viewing and saving against gunicorn as docker-compose runs it.

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialsite_load \
        REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/load.py --patients 10000

DATABASE_URL names the bench database itself, which is kept: created when missing, migrated
and loaded with `seed_demo --patients N` when empty, reused when it already holds the demo
trial (the saves of earlier runs included). The app is served by gunicorn with docker-compose's
command line (3 gthread workers x 4 threads, timeout 600) on a free port, with production
settings on plain HTTP and REDIS_URL as the cache.

Each simulated user logs in as one of the demo roles (coordinators, investigator, data
manager, monitor, sponsor, statistician) with its own session and, for --seconds, picks
operations at random among those of its role: the screening log `/` (first and later pages),
patient pages, the worklist, the queries, the analyses and safety pages, API lists; and saves
through the real forms with their CSRF token: a coordinator records a follow-up visit from the
worklist (marks it missed when the form refuses it, e.g. the patient has died since) or
answers an open query, the data manager raises a query. Any answer other than the
expected one (200, or the redirect after a save) is an error.

By default a user starts its next operation as soon as the last one is answered: 20 such
users are a saturation test (the server always has 20 requests in hand), not 20 people.
`--think 1 3` makes each user pause between its operations for a time drawn uniformly in
[1, 3] s, as locust's `between(1, 3)`: closer to people at work. The report says which.

It prints count, errors, median, p95 and p99 per operation and overall, then a line comparing
with the targets (median < 150 ms, p95 < 500 ms, no error); exit code 1 when one is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import harness
import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "trial-demo-2026"  # the demo accounts' (demo/trial.py)
TARGET_MEDIAN_MS = 150
TARGET_P95_MS = 500
# The accounts the simulated users log in as, in turn: coordinators most, as on a real trial.
ACCOUNTS = (
    "coord01",
    "dm",
    "coord02",
    "inv01",
    "mon01",
    "coord03",
    "sponsor",
    "stat",
    "coord04",
    "dm",
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


class Failed(Exception):
    """An answer the operation did not expect: counted as an error."""


# --- The bench database ---------------------------------------------------------------------


def _patients_in(url: str) -> int | None:
    """Patients in the bench database; None when it holds no trial yet. Exits when it holds
    a demo whose load stopped half-way: its patients are all screened before their courses
    are written, so their number alone would pass it for a whole trial."""
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('accounts_site') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT count(*) FROM accounts_site")
        if cursor.fetchone()[0] == 0:
            return None
        # seed_demo's last act, once every step is written: the analysis is requested.
        cursor.execute("SELECT EXISTS (SELECT 1 FROM endpoints_analysisrun)")
        if not cursor.fetchone()[0]:
            sys.exit(
                f"{connection.info.dbname} holds a demo trial whose load stopped half-way (no "
                "analysis was requested at its end): drop the database, or empty it with "
                "`manage.py flush`, and run this again."
            )
        cursor.execute("SELECT count(*) FROM patients_patient")
        return cursor.fetchone()[0]


def bench_database(url: str, patients: int, env: dict[str, str]) -> None:
    """Create, migrate and seed the database unless it already holds the demo trial."""
    name = urlparse(url).path.lstrip("/")
    server = harness.database_url(url, "postgres")
    try:
        psycopg2.connect(url).close()
    except psycopg2.OperationalError:
        harness.on_server(server, f"CREATE DATABASE {name}")
    found = _patients_in(url)
    if found is not None:
        if found != patients:
            sys.exit(
                f"{name} holds {found} patients, not {patients}: use another database "
                "(DATABASE_URL) or --patients {found}."
            )
        print(f"Reusing {name}: {found} patients.", flush=True)
    else:
        started = time.monotonic()
        harness.migrate(env)
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--patients", str(patients)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"Seeded {name} with {patients} patients in {time.monotonic() - started:.0f} s.")
    vacuum_analyze(url)


def vacuum_analyze(url: str) -> None:
    """VACUUM (ANALYZE) the bench database, as autovacuum does on docker-compose's postgres.

    Why: a server may run with autovacuum off (this machine's CI configuration does). The
    planner then has no statistics for the freshly loaded tables, and every screening's and
    randomization's old version of its site and stratum row stays in the way of each read
    (the screening log's SAE count at 10,000 patients: 650 ms, 6 ms after a vacuum)."""
    started = time.monotonic()
    connection = psycopg2.connect(url)
    connection.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            autovacuum = cursor.fetchone()[0]
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        connection.close()
    print(
        f"VACUUM (ANALYZE) in {time.monotonic() - started:.0f} s (autovacuum is {autovacuum} "
        "on this server).",
        flush=True,
    )


def start_gunicorn(env: dict[str, str], port: int, log) -> subprocess.Popen:
    """docker-compose's web command (workers, threads, timeout), on 127.0.0.1:port."""
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "trialsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if harness.request(port, "GET", "/login/")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    harness.stop(process)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not start:\n{log.read()[-4000:]}")


# --- One simulated user -----------------------------------------------------------------------


@dataclass
class Shared:
    """What the users share: the visits and queries already taken, the timings."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    taken: set[str] = field(default_factory=set)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)

    def take(self, key: str) -> bool:
        with self.lock:
            if key in self.taken:
                return False
            self.taken.add(key)
            return True

    def record(self, operation: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.timings[operation].append(seconds)
            if error is not None:
                self.errors[operation] += 1
                self.examples.setdefault(operation, error)


class User:
    """A browser session of one demo account; each operation is one or more requests."""

    def __init__(self, base: str, username: str, shared: Shared, rng: random.Random):
        self.base, self.username, self.shared, self.rng = base, username, shared, rng
        self.session = requests.Session()
        self.patients: list[str] = []
        self.log_pages = 1

    def get(self, path: str, *, expect: int = 200) -> requests.Response:
        response = self.session.get(self.base + path, allow_redirects=False, timeout=120)
        if response.status_code != expect:
            raise Failed(f"GET {path}: {response.status_code}")
        return response

    def post(
        self, path: str, data: dict[str, str], page: str, *, refused_ok: bool = False
    ) -> requests.Response:
        """A form sent as a browser sends it: CSRF token from the page, Referer of the page.

        With refused_ok, the form shown again with the reason (200) is an answer too."""
        token = CSRF.search(page)
        if token is None:
            raise Failed(f"no CSRF token for {path}")
        response = self.session.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=120,
        )
        if response.status_code != 302 and not (refused_ok and response.status_code == 200):
            raise Failed(f"POST {path}: {response.status_code} (expected the redirect of a save)")
        return response

    def log_in(self) -> None:
        page = self.get("/login/").text
        self.post("/login/", {"username": self.username, "password": PASSWORD}, page)
        first = self.get("/api/v1/patients/?page_size=200").json()  # the API's largest page
        self.patients = [p["study_id"] for p in first["results"]]
        pages = re.findall(r"[?;]page=(\d+)", self.get("/").text)
        self.log_pages = max([1, *(int(n) for n in pages)])

    # Page views ------------------------------------------------------------------------------

    def screening_log(self) -> None:
        self.get("/")

    def screening_log_page(self) -> None:
        self.get(f"/?page={self.rng.randint(1, self.log_pages)}")

    def patient_page(self) -> None:
        if self.patients:
            self.get(f"/patients/{self.rng.choice(self.patients)}/")

    def patient_review(self) -> None:
        if self.patients:
            self.get(f"/patients/{self.rng.choice(self.patients)}/review/")

    def worklist(self) -> None:
        self.get("/worklist/")

    def queries(self) -> None:
        self.get("/review/queries/")

    def analyses(self) -> None:
        self.get("/analyses/")

    def safety_tables(self) -> None:
        self.get("/analyses/safety/")

    def api_patients(self) -> None:
        self.get("/api/v1/patients/")

    def api_queries(self) -> None:
        self.get("/api/v1/queries/")

    def api_cycles(self) -> None:
        self.get("/api/v1/cycles/")

    def api_visits(self) -> None:
        self.get("/api/v1/follow-up-visits/")

    # Saves -----------------------------------------------------------------------------------

    def visit_save(self) -> None:
        """Record a visit of the worklist (one no other user took), dated inside its window."""
        rows = re.findall(
            r"(\d{2}/\d{2}/\d{4}) – (\d{2}/\d{2}/\d{4})</td>.*?"
            r'href="(/patients/[^"/]+/visits/M\d+/)',
            self.get("/worklist/").text,
            re.S,
        )
        # A visit whose window opens later this month can be neither recorded nor missed yet.
        today = dt.date.today()
        rows = [row for row in rows if _date(row[0]) <= today and self.shared.take(row[2])]
        if not rows:
            return self.query_answer()
        opens, closes, path = rows[0]
        on = min(_date(closes), today - dt.timedelta(days=1))
        on = max(on, _date(opens))
        page = self.get(path).text
        recorded = self.post(
            path,
            {
                "action": "record",
                "performed_on": on.strftime("%d/%m/%Y"),
                "vital_status": "alive",
                "disease_status": "not_assessed",
                "new_therapy": "",
                "transplant_since_last": "unknown",
                "version": _hidden(page, "version"),
                "reason": "",
            },
            page,
            refused_ok=True,
        )
        if recorded.status_code == 200:  # refused (e.g. the patient has died since): missed
            self.post(
                path,
                {
                    "action": "miss",
                    "missed-missed_reason": "Patient could not be reached",
                    "missed-version": _hidden(page, "missed-version"),
                },
                page,
            )
        return None

    def query_answer(self) -> None:
        """Answer an open query of my sites from the patient's review page."""
        links = re.findall(
            r'href="(/patients/[^"/]+/review/)#query-(\d+)"',
            self.get("/review/queries/?status=open").text,
        )
        links = [link for link in links if self.shared.take(f"query-{link[1]}")]
        if not links:
            return None
        review, pk = links[0]
        page = self.get(review).text
        self.post(f"/review/queries/{pk}/answer/", {"text": "Checked against the source."}, page)
        return None

    def query_raise(self) -> None:
        """The data manager queries a patient's record from the review page."""
        if not self.patients:
            return
        path = f"/patients/{self.rng.choice(self.patients)}/review/"
        page = self.get(path).text
        records = re.findall(r'<option value="(\d+:\d+)"', page)
        if not records:
            raise Failed(f"no record to query on {path}")
        self.post(
            path + "query/",
            {
                "form_token": _hidden(page, "form_token"),
                "record": self.rng.choice(records),
                "field_name": "",
                "text": "Please confirm against the source document.",
            },
            page,
        )


def _date(text: str) -> dt.date:
    day, month, year = DATE.fullmatch(text).groups()  # type: ignore[union-attr]
    return dt.date(int(year), int(month), int(day))


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if found is None:
        raise Failed(f"no {name} on the form")
    return html.unescape(found.group(1))


# What each role does, with weights: page views mostly, a save now and then.
COORDINATOR = {
    "screening log /": ("screening_log", 4),
    "screening log, page n": ("screening_log_page", 1),
    "patient page": ("patient_page", 4),
    "worklist": ("worklist", 2),
    "queries": ("queries", 1),
    "API patients": ("api_patients", 1),
    "save: follow-up visit": ("visit_save", 1),
    "save: query answer": ("query_answer", 1),
}
OPERATIONS: dict[str, dict[str, tuple[str, int]]] = {
    "coord": COORDINATOR,
    "inv01": {
        "screening log /": ("screening_log", 4),
        "patient page": ("patient_page", 4),
        "worklist": ("worklist", 1),
        "queries": ("queries", 1),
    },
    "dm": {
        "screening log /": ("screening_log", 3),
        "screening log, page n": ("screening_log_page", 1),
        "patient page": ("patient_page", 2),
        "patient review": ("patient_review", 2),
        "queries": ("queries", 2),
        "API patients": ("api_patients", 1),
        "API queries": ("api_queries", 1),
        "API follow-up visits": ("api_visits", 1),
        "save: query raised": ("query_raise", 1),
    },
    "mon01": {
        "screening log /": ("screening_log", 3),
        "patient page": ("patient_page", 2),
        "patient review": ("patient_review", 3),
        "queries": ("queries", 1),
    },
    "sponsor": {
        "screening log /": ("screening_log", 2),
        "analyses": ("analyses", 2),
        "safety tables": ("safety_tables", 1),
        "API patients": ("api_patients", 2),
        "API cycles": ("api_cycles", 1),
    },
    "stat": {
        "screening log /": ("screening_log", 2),
        "analyses": ("analyses", 3),
        "safety tables": ("safety_tables", 1),
        "API patients": ("api_patients", 1),
    },
}


def operations_of(username: str) -> dict[str, tuple[str, int]]:
    return OPERATIONS["coord" if username.startswith("coord") else username]


def simulate(user: User, until: float, think: tuple[float, float] | None = None) -> None:
    """Run the user's operations until the deadline; with `think`, pause between two
    operations for a time drawn uniformly in [think[0], think[1]] seconds."""
    choices = operations_of(user.username)
    names = list(choices)
    weights = [choices[name][1] for name in names]
    if think is not None:  # users do not all start at the same instant
        time.sleep(user.rng.uniform(0, think[1]))
    while time.monotonic() < until:
        name = user.rng.choices(names, weights)[0]
        started = time.perf_counter()
        error = None
        try:
            getattr(user, choices[name][0])()
        except (Failed, requests.RequestException) as exc:
            error = str(exc)
        user.shared.record(name, time.perf_counter() - started, error)
        if think is not None:
            time.sleep(max(0.0, min(user.rng.uniform(*think), until - time.monotonic())))
            # gunicorn closes a connection idle for 2 s (its keep-alive); a browser opens a
            # new one then, where requests would send on the closed one and count an error.
            user.session.close()


def mode_of(users: int, think: tuple[float, float] | None) -> str:
    if think is None:
        return f"saturation: {users} users, no pause between a user's operations"
    return f"{users} users thinking {think[0]:g}-{think[1]:g} s between their operations"


# --- Report -----------------------------------------------------------------------------------


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(shared: Shared, seconds: float, mode: str) -> bool:
    every = [t for times in shared.timings.values() for t in times]
    errors = sum(shared.errors.values())
    print(f"\nMode: {mode}; load average {_load_average()}.")
    print(f"\n{'operation':28} {'count':>6} {'errors':>6} {'median':>8} {'p95':>8} {'p99':>8}")
    rows = sorted(shared.timings.items(), key=lambda item: -statistics.median(item[1]))
    for name, times in [*rows, ("overall", every)]:
        if not times:
            continue
        failed = errors if name == "overall" else shared.errors.get(name, 0)
        print(
            f"{name:28} {len(times):6d} {failed:6d}"
            f" {statistics.median(times) * 1000:6.0f}ms {_quantile(times, 0.95) * 1000:6.0f}ms"
            f" {_quantile(times, 0.99) * 1000:6.0f}ms"
        )
    for name, example in shared.examples.items():
        print(f"  error in {name}: {example}")
    median = statistics.median(every) * 1000 if every else float("inf")
    p95 = _quantile(every, 0.95) * 1000 if every else float("inf")
    met = median < TARGET_MEDIAN_MS and p95 < TARGET_P95_MS and errors == 0
    print(
        f"\n{len(every)} operations in {seconds:.0f} s ({len(every) / seconds:.1f}/s): "
        f"median {median:.0f} ms (target < {TARGET_MEDIAN_MS}), p95 {p95:.0f} ms "
        f"(target < {TARGET_P95_MS}), {errors} errors (target 0): "
        f"{'PASS' if met else 'FAIL'} ({mode})"
    )
    return met


def workers_cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn workers of this master.

    Unlike the times measured, it does not grow when other jobs take the cores: the server's
    cost per operation, comparable between runs on a busy machine."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if not children.exists():
        return float("nan")
    total = 0
    for pid in children.read_text().split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a worker gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _load_average() -> str:
    """The machine's load average (1, 5, 15 min): other jobs share its cores."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def run(
    url: str,
    patients: int,
    users: int,
    seconds: float,
    seed: int,
    think: tuple[float, float] | None = None,
) -> int:
    env = harness.environment(url)
    bench_database(url, patients, env)
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    shared = Shared()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_gunicorn(env, port, log)
        try:
            simulated = [
                User(base, ACCOUNTS[i % len(ACCOUNTS)], shared, random.Random(seed + i))
                for i in range(users)
            ]
            try:
                for user in simulated:
                    user.log_in()
            except (Failed, requests.RequestException):
                log.seek(0)
                print(log.read()[-6000:], file=sys.stderr)
                raise
            mode = mode_of(users, think)
            print(f"{users} users logged in; {seconds:.0f} s of load on {base} ({mode}).")
            until = time.monotonic() + seconds
            threads = [threading.Thread(target=simulate, args=(u, until, think)) for u in simulated]
            started = time.monotonic()
            cpu_before = workers_cpu_seconds(process.pid)
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            cpu = workers_cpu_seconds(process.pid) - cpu_before
        finally:
            harness.stop(process)
        if shared.errors:  # the server's side of the errors
            log.seek(0)
            print(log.read()[-6000:], file=sys.stderr)
    met = report(shared, elapsed, mode)
    done = sum(len(times) for times in shared.timings.values())
    print(
        f"gunicorn workers' CPU: {cpu:.1f} s for {done} operations, "
        f"{1000 * cpu / max(done, 1):.0f} ms per operation (PostgreSQL's not counted)."
    )
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="seconds a user pauses between two operations, drawn uniformly in [MIN, MAX] "
        "(e.g. --think 1 3); default: no pause, a saturation test",
    )
    args = parser.parse_args(argv)
    think = (args.think[0], args.think[1]) if args.think else None
    if think is not None and not 0 <= think[0] <= think[1]:
        parser.error("--think MIN MAX needs 0 <= MIN <= MAX")
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("set DATABASE_URL to the bench database, e.g. .../trialsite_load")
    return run(url, args.patients, args.users, args.seconds, args.seed, think)


if __name__ == "__main__":
    sys.exit(main())
