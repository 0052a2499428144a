"""Every page's time at several trial sizes, side by side: which pages grow with the trial.

    cd /work/main && .venv/bin/python bench/pages.py \\
        --databases postgres://postgres@127.0.0.1:5432/trialsite_load1k,postgres://postgres@127.0.0.1:5432/trialsite_load10k

Each database holds a demo trial (`manage.py seed_demo --patients N`, as bench/load.py
leaves it) and is vacuumed first (autovacuum may be off, as on the CI machines). For each
one, a subprocess with production settings asks every page of the application (Django's
test client, in process: the view and its template, no HTTP server) as the first demo
account allowed to read it, three times, and keeps the fastest. Some pages record their
viewing (the allocation sequence, the DMC report): use copies, not a trial in use.

It prints one row per page (the account, the milliseconds at each size, the ratio of the
largest size to the smallest) and, on the last line, the pages whose time grew more than
twice with the trial while taking over 100 ms at the largest size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPEATS = 3
GROWING = 2.0  # ratio of the largest size to the smallest that flags a page
SLOW_MS = 100.0  # ... when the page takes longer than this at the largest size
# Demo accounts tried in turn (demo/trial.py); the site's coordinator is added last.
ACCOUNTS = ("dm", "stat", "sponsor", "pv", "dmc", "inv01", "mon01")
# Pages without a record in their address, then a patient's and an SAE report's.
PAGES = (
    "/",
    "/patients/find/?q=01",
    "/worklist/",
    "/review/queries/",
    "/review/locks/",
    "/randomization/balance/",
    "/randomization/sequence/",
    "/randomization/unblinding/",
    "/analyses/",
    "/analyses/safety/",
    "/notices/",
    "/safety/sae/",
    "/pharmacovigilance/",
    "/pharmacovigilance/rsi/",
    "/oversight/consort/",
    "/oversight/dmc-report/",
    "/oversight/dmc-report/?part=closed",
    "/interim/",
    "/datacuts/",
    "/patients/{patient}/",
    "/patients/{patient}/review/",
    "/patients/{patient}/history/",
    "/safety/sae/{sae}/",
    "/pharmacovigilance/sae/{sae}/",
    "/api/v1/patients/",
    "/api/v1/queries/",
    "/api/v1/sae-reports/",
    "/api/v1/adverse-events/",
    "/api/v1/follow-up-visits/",
)


def measure(url: str) -> dict[str, Any]:
    """Each page's fastest time in this process's database (run in a subprocess)."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import Role, User
    from patients.models import Patient
    from safety.models import SaeReport

    patients = Patient.objects.filter(randomization__isnull=False).order_by("pk")
    patient = patients[patients.count() // 2]
    sae = SaeReport.objects.order_by("pk").first()
    coordinator = User.objects.filter(role=Role.COORDINATOR, sites=patient.site).first()
    accounts = [User.objects.get(username=name) for name in ACCOUNTS]
    accounts += [coordinator] if coordinator else []
    clients = []
    for account in accounts:
        client = Client()
        client.force_login(account)
        clients.append((account.username, client))
    rows: dict[str, Any] = {"patients": Patient.objects.count()}
    for template in PAGES:
        if "{sae}" in template and sae is None:
            continue
        page = template.format(patient=patient.study_id, sae=sae.pk if sae else 0)
        for username, client in clients:
            if client.get(page).status_code != 200:  # also warms the page's code up
                continue
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                response = client.get(page)
                times.append(time.perf_counter() - started)
            rows[template] = {
                "account": username,
                "ms": min(times) * 1000,
                "kb": len(response.content) / 1024,
            }
            break
        else:
            rows[template] = None
        connection.close()
    return rows


def _vacuumed(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", required=True, help="comma-separated database URLs")
    parser.add_argument("--measure-once", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_once:
        print(json.dumps(measure(args.measure_once)))
        return
    results = []
    for url in args.databases.split(","):
        _vacuumed(url)
        env = {**harness.environment(url), "ALLOWED_HOSTS": "testserver"}
        out = subprocess.run(
            [sys.executable, __file__, "--databases", url, "--measure-once", url],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    sizes = [r["patients"] for r in results]
    print("| page | account | " + " | ".join(f"{n:,} patients (ms)" for n in sizes) + " | ratio |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    growing = []
    for page in PAGES:
        measured = [r.get(page) for r in results]
        if not all(measured):
            print(f"| {page} | (not readable by the demo accounts) |" + " |" * (len(sizes) + 1))
            continue
        ratio = measured[-1]["ms"] / measured[0]["ms"]
        cells = " | ".join(f"{m['ms']:.0f} ({m['kb']:.0f} KB)" for m in measured)
        print(f"| {page} | {measured[0]['account']} | {cells} | {ratio:.1f}× |")
        if ratio > GROWING and measured[-1]["ms"] > SLOW_MS:
            growing.append(f"{page} {ratio:.1f}×")
    print(
        f"growing with the trial (>{GROWING:.0f}× and >{SLOW_MS:.0f} ms): "
        + (", ".join(growing) or "none")
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    main()
