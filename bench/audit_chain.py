"""What the audit trail's hash chain costs: 5,000 audited records written with and without it.

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/audit_chain.py --records 5000

DATABASE_URL names a PostgreSQL server this script may create databases on; it creates its
own throwaway database (trialsite_bench_chain), migrates it, and inserts audited rows (sites:
each INSERT writes an event row through django-pghistory's trigger, and the chain seals that
event at commit): one transaction per record (as each save of the application commits), one
transaction for all of them, and four clients at once. Then the same without the chain's
trigger. Last, the time `verify_audit_trail` takes to recompute the whole chain.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import harness
import psycopg2

BENCH_DATABASE = "trialsite_bench_chain"
INSERT = (
    "INSERT INTO accounts_site (number, name, active, last_patient_sequence) "
    "VALUES (%s, %s, true, 0)"
)


def _one_per_transaction(url: str, numbers: range) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for n in numbers:
            cursor.execute(INSERT, [n, f"Site {n}"])
    connection.close()


def _all_in_one_transaction(url: str, numbers: range) -> None:
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        for n in numbers:
            cursor.execute(INSERT, [n, f"Site {n}"])
    connection.commit()
    connection.close()


def _four_clients(url: str, numbers: range) -> None:
    parts = [numbers[i::4] for i in range(4)]
    threads = [threading.Thread(target=_one_per_transaction, args=(url, p)) for p in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


MODES: list[tuple[str, Callable[[str, range], None]]] = [
    ("one transaction per record", _one_per_transaction),
    ("all in one transaction", _all_in_one_transaction),
    ("4 clients, one transaction per record", _four_clients),
]


def _timed(url: str, write: Callable[[str, range], None], numbers: range) -> float:
    started = time.perf_counter()
    write(url, numbers)
    return time.perf_counter() - started


def _clear_sites(url: str) -> None:
    """Start each round from no site (the deletions are audited too, outside the timing)."""
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_site")
    connection.commit()
    connection.close()


def _chain_trigger(url: str, on: bool) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        if on:
            cursor.execute(
                "CREATE CONSTRAINT TRIGGER audit_chain_link AFTER INSERT ON accounts_siteevent "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_link()"
            )
            cursor.execute("ALTER TABLE accounts_siteevent ENABLE ALWAYS TRIGGER audit_chain_link")
        else:
            cursor.execute("DROP TRIGGER audit_chain_link ON accounts_siteevent")
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    args = parser.parse_args()

    def bench(url: str, log) -> int:
        env = harness.environment(url)
        print("migrating ...", flush=True)
        harness.migrate(env)
        n = args.records
        times: dict[tuple[str, bool], list[float]] = {}
        chained = True
        # Rounds alternate (with, without, without, with) so the shared server's drift cancels.
        for name, write in MODES:
            for want in (True, False, False, True):
                if want != chained:
                    _chain_trigger(url, on=want)
                    chained = want
                _clear_sites(url)
                times.setdefault((name, want), []).append(_timed(url, write, range(1, n + 1)))
        if not chained:
            _chain_trigger(url, on=True)
        results = {key: min(values) for key, values in times.items()}
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "verify_audit_trail"],
            cwd=harness.ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        verify_seconds = time.perf_counter() - started

        print(f"\n{n} audited records (accounts_site INSERTs, each with its event row):")
        print("(best of two rounds each)")
        print(f"{'mode':40} {'with chain':>12} {'without':>10} {'ratio':>7}")
        for name, _ in MODES:
            with_chain, without = results[(name, True)], results[(name, False)]
            print(f"{name:40} {with_chain:11.2f}s {without:9.2f}s {with_chain / without:6.2f}x")
        print(f"\nverify_audit_trail over the chain: {verify_seconds:.2f}s (process included)")
        print("\n".join(done.stdout.splitlines()[:2]))
        # The events written without the trigger have no link: the check must say so.
        return 0 if done.returncode == 1 and "link missing" in done.stdout else 1

    return harness.run_on_throwaway_database(parser, BENCH_DATABASE, bench)


if __name__ == "__main__":
    sys.exit(main())
