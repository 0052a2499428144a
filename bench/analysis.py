"""What the analysis pipeline costs beside its statistics, how fast Recompute answers, and the
worker's peak memory, at 10k, 100k and 1M patients.

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/analysis.py --sizes 10000,100000

DATABASE_URL names a PostgreSQL server this script may create a database on as a superuser
(the seeding turns the audit triggers off for its session). It keeps its own bench database
(trialsite_bench_analysis, or --database; migrated once and kept for the next run unless
--drop) and, for each size, empties the clinical tables and builds a simulated trial in them
with set-based SQL (INSERT ... SELECT generate_series: minutes for a million patients; with
--reuse-trial a trial of that size already there is kept): screening,
randomization (two arms, regimen × disease status strata), cycle 1, an adverse event, the
protocol evaluation, follow-up visits, relapses, allo-HSCTs, flow MRD, ends of treatment and
deaths, with a better survival on DEX. Then, per size:

- the project's statistics against R's on a simulated trial of that size (`measure_statistics`
  of bench/statistics_vs_r.py, which calls R when Rscript is present);
- the worker's run end to end (claim, read, derive, statistics, store the results; then draw
  and store the figures), in a fresh subprocess so that its peak RSS (VmHWM) is the run's;
  the pipeline is the run until its results are stored (the run is done and its results
  read; the figures, drawn after, are printed apart); its statistics are the time spent
  in the statistical functions during that very run, and its numeric arrays what the
  pipeline reports holding. Three times: first with nothing kept from an earlier run (every
  patient read; the worker keeps the columns, endpoints/cohort_cache.py); then as after a
  worker's start: the kept columns emptied and refreshed as the worker does when it starts,
  before any Recompute (every patient read, timed apart), then an audited correction of
  WRITTEN patients' follow-up visits and the first run (those patients read again); then
  after another such correction, the next run. The bench keeps the columns in a folder of
  its own, emptied whenever it builds a trial (built without audit events, which would not
  show);
- the Recompute request (the service the view calls: records the run and has it sent on
  commit; rolled back, so nothing reaches the queue).

It prints one table per size and, on the last line, the ratios: pipeline / its statistics and
peak RSS / (2 × arrays + the process's RSS before the run) for each size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = "trialsite_bench_analysis"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
SITES = 20
ARMS_HR = 0.8  # DEX's hazard of death relative to CONTROL
# The clinical tables the simulated trial fills, emptied before each size.
TABLES = (
    "endpoints_analysisrun",
    "endpoints_importedoutcome",
    "visits_offstudy",
    "visits_endoftreatment",
    "visits_transplant",
    "visits_mrdassessment",
    "visits_followupvisit",
    "visits_responseassessment",
    "visits_adverseevent",
    "visits_treatmentcycle",
    "labs_bloodcount",
    "randomization_randomization",
    "randomization_stratum",
    "patients_screening",
    "patients_patient",
)


def trial_size(database_url: str) -> int:
    """How many patients the bench database's trial holds now."""
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM randomization_randomization")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def build_trial(database_url: str, n: int) -> float:
    """Empty the clinical tables and simulate `n` randomized patients; return the seconds."""
    import psycopg2

    started = time.perf_counter()
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cursor:
            # Bench database only: no audit events (nothing here reads them) and no FK checks
            # (the generated ids satisfy them).
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            cursor.execute(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined, role, language) "
                "SELECT '!', false, 'bench_statistician', '', '', '', false, true, now(), "
                "'statistician', 'en' WHERE NOT EXISTS "
                "(SELECT 1 FROM accounts_user WHERE username = 'bench_statistician')"
            )
            cursor.execute(
                "INSERT INTO accounts_site (number, name, active, last_patient_sequence, language) "
                "SELECT i, 'Bench site ' || i, true, 0, 'en' FROM generate_series(1, %s) i "
                "ON CONFLICT (number) DO NOTHING",
                [SITES],
            )
            cursor.execute("SELECT id FROM accounts_user WHERE username = 'bench_statistician'")
            (user,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO randomization_stratum (key, levels, allocations_used, created_at) "
                "SELECT r || '|' || d, jsonb_build_object('regimen', r, 'disease_status', d), "
                "0, now() FROM unnest(ARRAY['intensive', 'azacitidine']) r, "
                "unnest(ARRAY['relapsed', 'refractory']) d"
            )
            cursor.execute("SELECT setseed(0.17)")
            # One row of draws per patient; days counted from randomization.
            cursor.execute(
                """
                CREATE TEMP TABLE sim ON COMMIT DROP AS
                SELECT i,
                       CASE WHEN random() < 0.5 THEN 'dex' ELSE 'control' END AS arm,
                       CASE WHEN random() < 0.6 THEN 'intensive' ELSE 'azacitidine' END
                           AS regimen,
                       (ARRAY['primary_refractory', 'first_relapse', 'later_relapse',
                              'relapse_after_hsct'])[1 + floor(random() * 4)::int] AS status,
                       current_date - 1800 + (i::bigint * 1790 / %(n)s)::int AS rand_on,
                       random() AS u_death, random() AS u_response, random() AS u_relapse,
                       random() AS u_hsct, random() AS u_mrd, random() AS u_misc
                FROM generate_series(1, %(n)s) i
                """,
                {"n": n},
            )
            cursor.execute(
                """
                CREATE TEMP TABLE course ON COMMIT DROP AS
                SELECT s.*,
                       rand_on + ceil(-ln(u_death) * 420 / ln(2)
                           * CASE WHEN arm = 'dex' THEN 1 / %(hr)s ELSE 1 END)::int AS death_on,
                       CASE WHEN u_response < CASE WHEN arm = 'dex' THEN 0.42 ELSE 0.35 END
                            THEN 'CR' WHEN u_response < 0.5 THEN 'CRi'
                            WHEN u_response < 0.6 THEN 'PR' ELSE 'resistant' END AS response,
                       rand_on + 35 AS evaluated_on
                FROM sim s
                """,
                {"hr": ARMS_HR},
            )
            cursor.execute(
                """
                CREATE TEMP TABLE patient_course ON COMMIT DROP AS
                SELECT c.*,
                       CASE WHEN response IN ('CR', 'CRi') AND u_relapse < 0.45
                            THEN evaluated_on + 30 + ceil(-ln(u_relapse / 0.45) * 240)::int
                       END AS relapse_on,
                       CASE WHEN response IN ('CR', 'CRi') AND u_hsct < 0.2
                            THEN evaluated_on + 60 END AS hsct_on
                FROM course c
                """
            )
            today = "current_date"
            cursor.execute(
                f"""
                INSERT INTO patients_patient (id, study_id, site_id, sequence, sex, year_of_birth,
                                              created_at, updated_at, created_by_id)
                SELECT i, to_char(st.number, 'FM00') || '-' || to_char(i, 'FM0000000'), st.id, i,
                       CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END, 1940 + i % 40, now(), now(),
                       {user}
                FROM sim JOIN accounts_site st ON st.number = i % {SITES} + 1;
                INSERT INTO patients_screening (patient_id, consent_on, screened_on,
                    age_at_consent, disease_status, cytogenetic_risk, eln_risk, mutations,
                    prior_lines, prior_allo_hsct, outcome, failure_reason, note, created_at,
                    updated_at, version)
                SELECT i, rand_on - 7, rand_on - 5, 40 + i % 40, status, 'intermediate',
                       (ARRAY['favourable', 'intermediate', 'adverse'])[1 + i % 3],
                       jsonb_build_object(
                           'NPM1', CASE WHEN u_misc < 0.3 THEN 'detected' ELSE 'not_detected' END,
                           'RUNX1', CASE WHEN i % 7 = 0 THEN 'detected' ELSE 'not_detected' END,
                           'FLT3-ITD', CASE WHEN i % 5 = 0 THEN 'detected'
                                            WHEN i % 11 = 0 THEN 'not_tested'
                                            ELSE 'not_detected' END),
                       1, false, 'eligible', '', '', now(), now(), 1
                FROM sim;
                INSERT INTO randomization_randomization (patient_id, regimen, stratum_levels,
                    sequence, method, arm, randomized_at, randomized_by_id, stratum_id)
                SELECT i, regimen,
                       jsonb_build_object('regimen', regimen,
                           'disease_status', CASE WHEN status = 'primary_refractory'
                                                  THEN 'refractory' ELSE 'relapsed' END),
                       i, 'blocks', arm, (rand_on + time '12:00') AT TIME ZONE 'Europe/Paris',
                       {user}, st.id
                FROM sim JOIN randomization_stratum st ON st.key = regimen || '|' ||
                    CASE WHEN status = 'primary_refractory' THEN 'refractory' ELSE 'relapsed' END;
                INSERT INTO visits_treatmentcycle (patient_id, number, phase, started_on, ended_on,
                    dexamethasone_given, delay_days, dose_reduced, modification_note, version,
                    created_at, updated_at, created_by_id)
                SELECT i, 1, CASE WHEN regimen = 'intensive' THEN 'induction'
                                  ELSE 'azacitidine' END,
                       rand_on + 1, CASE WHEN death_on > rand_on + 28 THEN rand_on + 28 END,
                       arm = 'dex', 0, false, '', 1, now(), now(), {user}
                FROM course WHERE rand_on + 1 <= {today};
                INSERT INTO visits_adverseevent (patient_id, term, term_specified, grade, serious,
                    onset_on, resolved_on, related_to_dexamethasone, related_to_salvage,
                    action_taken, version, created_at, updated_at, created_by_id)
                SELECT i, 'Febrile neutropenia', '', 3, false, rand_on + 10,
                       CASE WHEN death_on > rand_on + 20 THEN rand_on + 20 END,
                       'unrelated', 'related', 'none', 1, now(), now(), {user}
                FROM course WHERE rand_on + 10 <= least(death_on, {today});
                INSERT INTO visits_responseassessment (patient_id, assessed_on, after_cycle,
                    category, timepoint, circulating_blasts, auer_rods, extramedullary_disease,
                    transfusion_dependent, version, created_at, updated_at, created_by_id)
                SELECT i, evaluated_on, CASE WHEN regimen = 'intensive' THEN 1 ELSE 3 END,
                       response, CASE WHEN regimen = 'intensive' THEN 'end_of_induction'
                                      ELSE 'post_cycle_3' END,
                       false, false, false, false, 1, now(), now(), {user}
                FROM patient_course WHERE evaluated_on < death_on AND evaluated_on <= {today}
                UNION ALL
                SELECT i, relapse_on, NULL, 'relapse', 'follow_up', false, false, false, false,
                       1, now(), now(), {user}
                FROM patient_course
                WHERE relapse_on < death_on AND relapse_on <= {today} AND i % 2 = 0;
                INSERT INTO visits_followupvisit (patient_id, month, target_on, window_opens_on,
                    window_closes_on, performed_on, vital_status, disease_status, new_therapy,
                    missed_reason, version, created_at, updated_at, created_by_id)
                SELECT i, m, rand_on + m * 30, rand_on + m * 30 - 14, rand_on + m * 30 + 14,
                       rand_on + m * 30, 'alive',
                       CASE WHEN relapse_on <= rand_on + m * 30 THEN 'relapse'
                            WHEN response IN ('CR', 'CRi') THEN 'remission'
                            ELSE 'persistent' END,
                       '', '', 1, now(), now(), {user}
                FROM patient_course CROSS JOIN unnest(ARRAY[3, 6, 12, 18, 24, 36]) m
                WHERE rand_on + m * 30 < death_on AND rand_on + m * 30 <= {today};
                INSERT INTO visits_transplant (patient_id, transplanted_on, donor_type,
                    conditioning, disease_status, mrd_status, graft_source, version, created_at,
                    updated_at, created_by_id)
                SELECT i, hsct_on, 'matched_unrelated', 'ric', response, '', '', 1, now(), now(),
                       {user}
                FROM patient_course WHERE hsct_on < death_on AND hsct_on <= {today};
                INSERT INTO visits_mrdassessment (patient_id, assessed_on, timepoint, method,
                    method_other, result, value, negative, version, created_at, updated_at,
                    created_by_id)
                SELECT i, evaluated_on, 'end_of_induction', 'flow', '', 'below_sensitivity', NULL,
                       true, 1, now(), now(), {user}
                FROM patient_course
                WHERE response IN ('CR', 'CRi') AND u_mrd < 0.5 AND evaluated_on < death_on
                      AND evaluated_on <= {today};
                INSERT INTO visits_endoftreatment (patient_id, ended_on, reason, note, version,
                    created_at, updated_at, created_by_id)
                SELECT i, least(evaluated_on + 120, death_on - 1), 'completed', '', 1, now(),
                       now(), {user}
                FROM patient_course WHERE least(evaluated_on + 120, death_on - 1) <= {today}
                    AND least(evaluated_on + 120, death_on - 1) > rand_on;
                INSERT INTO visits_offstudy (patient_id, reason, event_on, death_cause, data_use,
                    note, version, created_at, updated_at, created_by_id)
                SELECT i, 'death', death_on, 'leukaemia', '', '', 1, now(), now(), {user}
                FROM patient_course WHERE death_on <= {today};
                """
            )
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        conn.close()
    return time.perf_counter() - started


# --- One worker run, in its own process ---------------------------------------------------

STATISTICS = (
    "kaplan_meier",
    "logrank",
    "cox",
    "cox_efron",
    "cumulative_incidence",
    "median_follow_up",
    "clopper_pearson",
    "fisher_p",
    "mannwhitneyu",
    "wilcoxon_rank_sum_p",
)
# Stages of the run (module, function), timed where they are called from.
STAGES = {
    "read": (("endpoints.services", "analysis_inputs"), ("endpoints.services", "cohort_of")),
    "derive": (
        ("endpoints.analysis", "time_to_event_rows"),
        ("endpoints.analysis", "time_to_event_columns"),
        ("endpoints.analysis", "last_known_alive"),
        ("endpoints.analysis", "overall_survival"),
        ("endpoints.analysis", "time_to_event_column"),
    ),
    # Drawn and stored once the results are stored (the run done): timed apart.
    "figures": (("endpoints.services", "_figures_stored"),),
}


def _timed(spent: dict[str, float], key: str, depth: list[int], function):
    """`function`, adding its own time (not that of a timed call within it) to spent[key]."""

    def timed(*args, **kwargs):
        if depth[0]:
            return function(*args, **kwargs)
        depth[0] += 1
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - started
            depth[0] -= 1

    return timed


def _instrument(spent: dict[str, float]) -> None:
    import importlib

    statistics_depth: list[int] = [0]
    consumers = (
        "endpoints.analysis",
        "endpoints.subgroups",
        "endpoints.early_mortality",
        "endpoints.mrd_negativity",
        "endpoints.myelosuppression",
        "endpoints.cohort_analysis",
    )
    for name in consumers:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for function in STATISTICS:
            if callable(getattr(module, function, None)):
                wrapped = _timed(spent, "statistics", statistics_depth, getattr(module, function))
                setattr(module, function, wrapped)
    for stage, places in STAGES.items():
        depth: list[int] = [0]  # a stage's function calling another of its own: timed once
        for module_name, function in places:
            module = importlib.import_module(module_name)
            if callable(getattr(module, function, None)):
                setattr(module, function, _timed(spent, stage, depth, getattr(module, function)))


WRITTEN = 10  # patients whose follow-up visits are corrected before a run after the first


def run_once() -> dict[str, Any]:
    """In a fresh process: the worker's run end to end with nothing kept, timed by stage, with
    its peak RSS; an identical run (reused); the kept columns refreshed as a worker does when
    it starts, then, after a correction, the first run after that start; after another
    correction, the next run."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    django.setup()
    import gc

    from endpoints import services
    from endpoints.models import AnalysisRun

    spent: dict[str, float] = {}
    _instrument(spent)
    kept = Path(os.environ["COHORT_CACHE_DIR"]) if os.environ.get("COHORT_CACHE_DIR") else None
    arrays: list[int] = []
    if hasattr(services, "cohort_of"):  # the columns the run holds, measured as it reads them
        read = services.cohort_of

        def measured(cutoff):
            cohort = read(cutoff)
            arrays.append(cohort.nbytes)
            return cohort

        services.cohort_of = measured
    gc.collect()
    before_kb = _status_kb("VmHWM")
    rss_before = _status_kb("VmRSS")
    run, total = _timed_run(services, AnalysisRun)  # nothing to reuse, nothing kept
    peak_kb = _status_kb("VmHWM")
    # An identical request now: the worker reuses the finished run.
    again = AnalysisRun.objects.create(cutoff=run.cutoff, strata_factors=run.strata_factors)
    started = time.perf_counter()
    services.analysis_run_execute(run_id=again.pk)
    reused = time.perf_counter() - started
    again.refresh_from_db()
    first_stages = dict(spent)

    def after_a_correction() -> dict[str, Any]:
        """A correction (audited, as every write of the application), then a run."""
        corrected = _correct_follow_up(WRITTEN)
        spent.clear()
        after, after_total = _timed_run(services, AnalysisRun)
        if after.served_from_id is not None:
            raise RuntimeError("the run after a write did not compute")
        return {
            "patients": corrected,
            "total": after_total,
            "stages": dict(spent),
            "kept": kept is not None and any(kept.glob("cohort-*.npz")),
        }

    # A worker's start after a deployment: nothing usable kept, the columns refreshed before
    # any Recompute (endpoints/tasks.py), then the first run after it.
    for file in kept.iterdir() if kept else ():
        file.unlink()
    started = time.perf_counter()
    refreshed = services.cohort_columns_refresh()
    refresh = time.perf_counter() - started if refreshed is not None else None
    after_start = after_a_correction()
    return {
        "total": total,
        "reused": reused,
        "reused_from": again.served_from_id,
        "stages": first_stages,
        "refresh": refresh,
        "after_start": after_start,
        "after_write": after_a_correction(),
        "n_randomized": run.results["n_randomized"],
        "rss_before_kb": max(rss_before, before_kb if rss_before == 0 else 0),
        "peak_kb": peak_kb,
        "arrays_bytes": arrays[0] if arrays else None,
    }


def _timed_run(services, AnalysisRun) -> tuple[Any, float]:
    """A run computed by the worker's service at today's cut-off, none to reuse: the run and
    its seconds."""
    from django.utils import timezone

    AnalysisRun.objects.all().delete()
    run = AnalysisRun.objects.create(
        cutoff=timezone.localdate(), strata_factors=services.analysis_strata_default()
    )
    started = time.perf_counter()
    services.analysis_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    if run.status != AnalysisRun.Status.DONE:
        raise RuntimeError(f"the run did not finish: {run.status} {run.error}")
    return run, seconds


def _correct_follow_up(patients: int) -> int:
    """Move the first follow-up visit done of `patients` randomized patients a day earlier
    (a data manager's correction), through the ORM: audited and sealed into the chain."""
    from django.db.models import F

    from visits.models import FollowUpVisit

    visits = (
        FollowUpVisit.objects.filter(performed_on__isnull=False)
        .order_by("patient_id", "performed_on")
        .distinct("patient_id")
        .values_list("pk", flat=True)[:patients]
    )
    return FollowUpVisit.objects.filter(pk__in=list(visits)).update(
        performed_on=F("performed_on") - dt.timedelta(days=1)
    )


def _status_kb(field: str) -> int:
    """This process's VmRSS or VmHWM (its peak) in kB, from /proc/self/status.

    Not getrusage's ru_maxrss: Linux carries the parent's peak into a child across exec (the
    exec'd process's ru_maxrss starts at the RSS of the parent that spawned it), so after the
    statistics against R held a million patients in this script, the worker run's peak would
    read as the script's. VmHWM belongs to the process's own address space, new at exec.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def worker_run(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--run-once"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def request_time(env: dict[str, str], repeats: int = 5) -> float:
    """The Recompute request's median seconds (the service the view calls), in a subprocess."""
    done = subprocess.run(
        [sys.executable, __file__, "--request-once", str(repeats)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


class _RolledBack(Exception):
    pass


def request_once(repeats: int) -> float:
    """The request's work (the run recorded, its sending registered for the commit), rolled
    back at the end so that no message reaches a queue some worker or test reads."""
    import statistics

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    django.setup()
    from django.db import transaction

    from endpoints import services

    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                services.analysis_run_request()
                seconds.append(time.perf_counter() - started)
                raise _RolledBack
        except _RolledBack:
            pass
    return statistics.median(seconds)


def statistics_vs_r(n: int, repeats: int) -> dict[str, Any] | None:
    try:
        from statistics_vs_r import measure_statistics
    except ImportError:
        return None
    return measure_statistics(n, repeats)


def _done(run: dict[str, Any]) -> float:
    """The run until its results are stored (the run done): the figures are drawn after."""
    return run["total"] - run["stages"].get("figures", 0.0)


def report(n: int, built: float, versus_r: dict[str, Any] | None, run: dict, request: float):
    made = f"trial built in {built:.1f} s" if built else "trial kept from the last run"
    print(f"\n## {n:,} patients ({made})")
    print("| measure | seconds | note |")
    print("|---|---|---|")
    if versus_r is not None:
        project, r = versus_r["total"]["project"], versus_r["total"]["r"]
        theirs = f"R {r['min']:.2f} s, project/R {project['min'] / r['min']:.2f}×" if r else "no R"
        print(
            f"| OS statistics, project (min of {versus_r['repeats']}) | {project['min']:.2f} | "
            f"{theirs} |"
        )
    after, after_start = run["after_write"], run["after_start"]
    how = "columns kept from the run before" if after["kept"] else "nothing kept: every patient"
    refresh = run["refresh"]
    start = f"{refresh:.2f} s before any run" if refresh is not None else "no refresh"
    for title, measured in (
        ("worker run with nothing kept, results stored (every patient read)", run),
        (
            f"first run after the worker's start (columns kept by its refresh, every patient "
            f"read: {start}; then {after_start['patients']} patients' visits corrected)",
            after_start,
        ),
        (f"next run, after {after['patients']} patients' visits corrected ({how})", after),
    ):
        stages = measured["stages"]
        statistics = stages.get("statistics", 0.0)
        done = _done(measured)
        print(f"| {title} | {done:.2f} | {done / statistics:.2f}× its statistics |")
        for stage in ("read", "derive", "statistics"):
            print(f"| - {stage} | {stages.get(stage, 0.0):.2f} | |")
        rest = done - sum(v for k, v in stages.items() if k != "figures")
        print(f"| - the rest (responses, subgroups' bookkeeping, claim, store) | {rest:.2f} | |")
        print(
            f"| then the figures, drawn and stored after the results | "
            f"{stages.get('figures', 0.0):.2f} | with them {measured['total']:.2f} s, "
            f"{measured['total'] / statistics:.2f}× the statistics |"
        )
    print(
        f"| identical run again (reused) | {run['reused']:.3f} | served from {run['reused_from']} |"
    )
    print(f"| Recompute request (median) | {request:.3f} | |")
    arrays = run["arrays_bytes"]
    fixed = run["rss_before_kb"] / 1024
    peak = run["peak_kb"] / 1024
    budget = f"{(2 * arrays / 2**20 + fixed):.0f} MB" if arrays else "-"
    print(
        f"| peak RSS (MB) | {peak:.0f} | before the run {fixed:.0f} MB; arrays "
        f"{(arrays or 0) / 2**20:.1f} MB; budget 2×arrays+before {budget} |"
    )
    return {
        "n": n,
        "pipeline_over_statistics": _done(run) / run["stages"]["statistics"],
        "next_over_statistics": _done(after) / after["stages"]["statistics"],
        "after_start_over_statistics": _done(after_start) / after_start["stages"]["statistics"],
        "refresh": refresh,
        "rss_over_budget": peak / (2 * arrays / 2**20 + fixed) if arrays else None,
        "request": request,
    }


def _ratios(r: dict[str, Any]) -> str:
    memory = f"{r['rss_over_budget']:.2f}" if r["rss_over_budget"] else "-"
    refresh = f"{r['refresh']:.2f} s" if r["refresh"] is not None else "-"
    return (
        f"{r['n']:,}: pipeline (results stored)/statistics "
        f"{r['after_start_over_statistics']:.2f}× the first run after the worker's start, "
        f"{r['next_over_statistics']:.2f}× the next run (target ≤ 1.5), "
        f"{r['pipeline_over_statistics']:.2f}× with nothing kept (every patient read; at the "
        f"worker's start {refresh}), "
        f"peak RSS/(2×arrays+fixed) {memory} (target ≤ 1), request {r['request'] * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, default=3, help="statistics vs R repeats")
    parser.add_argument("--no-r", action="store_true", help="skip the statistics vs R part")
    parser.add_argument("--database", default=BENCH_DATABASE, help="the bench database's name")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument(
        "--reuse-trial",
        action="store_true",
        help="keep the trial already in the bench database when it has that many patients",
    )
    parser.add_argument("--run-once", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--request-once", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_once:
        print(json.dumps(run_once()))
        return 0
    if args.request_once:
        print(request_once(args.request_once))
        return 0
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        parser.error("set DATABASE_URL to a PostgreSQL server (a superuser's URL)")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    url = harness.database_url(server_url, args.database)
    import psycopg2

    server = psycopg2.connect(server_url)
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database])
        exists = cursor.fetchone() is not None
    server.close()
    if not exists:
        harness.on_server(server_url, f"CREATE DATABASE {args.database}")
    kept = Path(tempfile.mkdtemp(prefix="bench-cohort-"))
    env = {
        **harness.environment(url),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "COHORT_CACHE_DIR": str(kept),
    }
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    try:
        harness.migrate(env)
    except subprocess.CalledProcessError:
        if not exists:
            raise
        print("migrate failed: going on with the bench database as it is", file=sys.stderr)
    ratios = []
    try:
        for n in sorted(sizes):
            reused = args.reuse_trial and trial_size(url) == n
            built = 0.0 if reused else build_trial(url, n)
            for file in kept.iterdir():  # columns of another trial, which no event tells
                file.unlink()
            versus_r = None if args.no_r else statistics_vs_r(n, args.repeats)
            if versus_r is not None:
                try:
                    from statistics_vs_r import table

                    print(table(versus_r))
                except ImportError:
                    pass
            run = worker_run(env)
            ratios.append(report(n, built, versus_r, run, request_time(env)))
    finally:
        shutil.rmtree(kept, ignore_errors=True)
        if args.drop:
            harness.drop_database(server_url, args.database)
    print("ratios: " + "; ".join(_ratios(r) for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
