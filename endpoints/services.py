"""Requesting, claiming, computing and sweeping analysis runs.

The web request only records the run and queues it (after commit); the Celery worker
computes it. Each step is idempotent, so a task delivered twice or re-queued after a worker
died does no harm.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import protocol
from accounts.models import User
from endpoints.analysis import RISK_TIMES, analysis_compute
from endpoints.datasets import PatientFacts, patient_facts
from endpoints.models import AnalysisRun
from endpoints.plots import km_svg
from locks.selectors import locked_patient_share

logger = logging.getLogger(__name__)
PLOTTED = {"OS": "Overall survival", "EFS": "Event-free survival"}
QUEUED_RESEND_SECONDS = 5 * 60


def analysis_strata_default() -> list[str]:
    """The analysis strata: the randomization factors other than site (PROTOCOL.md)."""
    return list(settings.TRIAL_ANALYSIS_STRATA)


def data_fingerprint(
    facts: Sequence[PatientFacts], cutoff: dt.date, strata_factors: Sequence[str]
) -> str:
    """SHA-256 of everything the analysis reads: same fingerprint, same results."""
    payload = json.dumps(
        {
            "cutoff": cutoff.isoformat(),
            "strata": list(strata_factors),
            "facts": sorted((dataclasses.asdict(f) for f in facts), key=lambda f: f["study_id"]),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _checked_strata(strata_factors: Sequence[str] | None) -> list[str]:
    factors = list(strata_factors) if strata_factors is not None else analysis_strata_default()
    allowed = [f for f in protocol.STRATIFICATION_FACTORS if f != "site"]
    unknown = [f for f in factors if f not in allowed]
    if unknown:
        raise ValidationError(
            {
                "strata_factors": [
                    f"{', '.join(unknown)} cannot stratify an analysis; choose among {allowed} "
                    "(sites are too small to be strata)."
                ]
            }
        )
    return factors


@transaction.atomic
def analysis_run_request(
    *,
    cutoff: dt.date | None = None,
    strata_factors: Sequence[str] | None = None,
    user: User | None = None,
) -> AnalysisRun:
    """Queue an analysis of the data up to `cutoff`, or serve it from an identical finished run."""
    cutoff = cutoff or timezone.localdate()
    if cutoff > timezone.localdate():
        raise ValidationError({"cutoff": ["The data cut-off cannot be in the future."]})
    factors = _checked_strata(strata_factors)
    fingerprint = data_fingerprint(patient_facts(cutoff), cutoff, factors)
    finished = (
        AnalysisRun.objects.filter(
            fingerprint=fingerprint, status=AnalysisRun.Status.DONE, served_from__isnull=True
        )
        .order_by("-finished_at")
        .first()
    )
    if finished is not None:
        now = timezone.now()
        return AnalysisRun.objects.create(
            cutoff=cutoff,
            strata_factors=factors,
            fingerprint=fingerprint,
            status=AnalysisRun.Status.DONE,
            requested_by=user,
            started_at=now,
            finished_at=now,
            results=finished.results,
            figures=finished.figures,
            served_from=finished,
        )
    run = AnalysisRun.objects.create(
        cutoff=cutoff, strata_factors=factors, fingerprint=fingerprint, requested_by=user
    )
    # robust: a broker that is down must not turn the saved request into an error page;
    # the sweep sends the run again later.
    transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
    return run


def _enqueue(run_id: int) -> None:
    from endpoints.tasks import analysis_run_execute_task

    analysis_run_execute_task.delay(run_id)


def analysis_run_claim(run_id: int) -> bool:
    """Move a queued run to running; True only for the one caller whose update changed it."""
    claimed = AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).update(
        status=AnalysisRun.Status.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
        updated_at=timezone.now(),
    )
    return claimed == 1


def _figures(results: dict, computed_at: str) -> dict[str, dict[str, str]]:
    figures: dict[str, dict[str, str]] = {}
    for parameter, title in PLOTTED.items():
        endpoint = results["endpoints"][parameter]
        figures[parameter] = {
            "by_arm": km_svg(
                endpoint["by_arm"],
                title=f"{title} by arm",
                cutoff=results["cutoff"],
                computed_at=computed_at,
                risk_times=list(RISK_TIMES),
            ),
            "pooled": km_svg(
                {"pooled": endpoint["pooled"]},
                title=f"{title}, pooled",
                cutoff=results["cutoff"],
                computed_at=computed_at,
                risk_times=list(RISK_TIMES),
            ),
        }
    return figures


def analysis_run_execute(*, run_id: int) -> AnalysisRun | None:
    """Claim and compute a run; a run another worker holds, or already done, is left alone.

    On an error the run goes back to the queue for another attempt, or fails with the
    reason once the attempts are used up; the error is re-raised for Celery to retry.
    """
    if not analysis_run_claim(run_id):
        logger.info("Analysis run %s not queued: nothing to do", run_id)
        return None
    run = AnalysisRun.objects.get(pk=run_id)
    try:
        facts = patient_facts(run.cutoff)
        results = analysis_compute(facts, run.cutoff, run.strata_factors)
        results["data_locks"] = locked_patient_share()
        json.dumps(results, allow_nan=False)  # JSON columns refuse NaN: fail here, with reason
        computed_at = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
        figures = _figures(results, computed_at)
        with transaction.atomic():
            AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(
                status=AnalysisRun.Status.DONE,
                finished_at=timezone.now(),
                results=results,
                figures=figures,
                updated_at=timezone.now(),
                fingerprint=data_fingerprint(facts, run.cutoff, run.strata_factors),
            )
    except Exception as exc:
        final = run.attempts >= settings.ANALYSIS_MAX_ATTEMPTS
        AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(
            status=AnalysisRun.Status.FAILED if final else AnalysisRun.Status.QUEUED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now() if final else None,
            updated_at=timezone.now(),
        )
        raise
    return AnalysisRun.objects.get(pk=run_id)


def analysis_runs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-queue runs stuck in running past the time limit (a worker died); fail the hopeless.

    Returns the ids put back in the queue, which are then sent to the workers again.
    """
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.ANALYSIS_TIME_LIMIT_SECONDS)
    stuck = AnalysisRun.objects.filter(status=AnalysisRun.Status.RUNNING, started_at__lt=limit)
    failed = stuck.filter(attempts__gte=settings.ANALYSIS_MAX_ATTEMPTS).update(
        status=AnalysisRun.Status.FAILED,
        finished_at=now,
        updated_at=now,
        error=f"Stopped after {settings.ANALYSIS_MAX_ATTEMPTS} attempts: the worker did not "
        "finish within the time limit.",
    )
    requeued = list(stuck.values_list("pk", flat=True))
    AnalysisRun.objects.filter(pk__in=requeued, status=AnalysisRun.Status.RUNNING).update(
        status=AnalysisRun.Status.QUEUED,
        updated_at=now,
        error="Re-queued: the worker did not finish in time.",
    )
    if failed:
        logger.warning(
            "%s analysis runs failed after %s attempts", failed, settings.ANALYSIS_MAX_ATTEMPTS
        )
    # A queued run whose message was lost (broker down at commit, broker restarted) is sent
    # again; a duplicate message is harmless, the claim lets one worker through.
    forgotten = list(
        AnalysisRun.objects.filter(
            status=AnalysisRun.Status.QUEUED,
            requested_at__lt=now - dt.timedelta(seconds=QUEUED_RESEND_SECONDS),
        )
        .exclude(pk__in=requeued)
        .values_list("pk", flat=True)
    )
    for run_id in [*requeued, *forgotten]:
        transaction.on_commit(partial(_enqueue, run_id), robust=True)
    return requeued


def analysis_nightly_refresh() -> AnalysisRun:
    """The nightly analysis at today's cut-off (served from cache when nothing changed)."""
    return analysis_run_request(cutoff=timezone.localdate())
