"""Requesting, claiming, computing and sweeping analysis runs.

The web request only records the run and queues it (after commit), reading nothing of the
trial; the Celery worker reads the data's state, reuses an identical finished run or
computes it. Each step is idempotent, so a task delivered twice or re-queued after a worker
died does no harm. A worker holds the run it computes by a lease it renews; a run whose lease
expired is taken over, and the attempt number makes the claim's token, so a worker that lost
its run cannot overwrite the result of the one that took it over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from types import TracebackType
from typing import Any

import numpy as np
import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, JSONField, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

import protocol
from accounts.models import User
from endpoints.analysis import cohort_analysis
from endpoints.cohort import Cohort, cohort_of
from endpoints.cohort_cache import Refreshed, kept_columns_refresh
from endpoints.datasets import PatientFacts
from endpoints.figure_files import finished_text
from endpoints.fingerprint import DataState, analysis_fingerprint, data_state
from endpoints.models import AnalysisRun
from endpoints.plots import analysis_figures
from endpoints.statistics.cox_efron import TIES
from locks.selectors import active_trial_lock, locked_patient_share

logger = logging.getLogger(__name__)
QUEUED_RESEND_SECONDS = 5 * 60


def analysis_strata_default() -> list[str]:
    """The analysis strata: the randomization factors other than site (PROTOCOL.md)."""
    return list(settings.TRIAL_ANALYSIS_STRATA)


def data_fingerprint(
    facts: Sequence[PatientFacts], cutoff: dt.date, strata_factors: Sequence[str]
) -> str:
    """SHA-256 of every fact a frozen data cut holds (datacuts: its content's checksum).

    Analysis runs do not use it: hashing every fact costs as much as reading them; their
    fingerprint is the audit chain's head (endpoints/fingerprint.py).
    """
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


def analysis_strata_checked(strata_factors: Sequence[str] | None) -> list[str]:
    """Return the strata to analyse (the default when None), or refuse those that cannot be."""
    factors = list(strata_factors) if strata_factors is not None else analysis_strata_default()
    allowed = [f for f in protocol.STRATIFICATION_FACTORS if f != "site"]
    unknown = [f for f in factors if f not in allowed]
    if unknown:
        raise ValidationError(
            {
                "strata_factors": [
                    _(
                        "%(unknown)s cannot stratify an analysis; choose among %(allowed)s "
                        "(sites are too small to be strata)."
                    )
                    % {"unknown": ", ".join(unknown), "allowed": allowed}
                ]
            }
        )
    return factors


def analysis_cutoff_checked(cutoff: dt.date) -> dt.date:
    """Refuse a cut-off in the future: its data are not all entered yet."""
    if cutoff > timezone.localdate():
        raise ValidationError({"cutoff": [_("The data cut-off cannot be in the future.")]})
    return cutoff


def analysis_data_locks() -> dict[str, Any]:
    """How many randomized patients' data are locked, and whether the whole trial is: the
    final analysis is run on the trial's locked data, and its run says so."""
    lock = active_trial_lock()
    return {
        **locked_patient_share(),
        "trial_locked": lock is not None,
        "trial_locked_at": lock.locked_at.isoformat() if lock else None,
    }


def analysis_ties_checked(ties: str) -> str:
    """Refuse a way of handling tied times the Cox models do not know."""
    if ties not in TIES:
        refusal = ValidationError(
            _("Tied times are handled by %(known)s, not by “%(asked)s”."),
            params={"known": " or ".join(TIES), "asked": ties},
        )
        raise ValidationError({"ties": [refusal]})
    return ties


@dataclasses.dataclass(frozen=True)
class AnalysisInputs:
    """What a run reads, all from one snapshot of the database: the patients as columns
    (endpoints/cohort.py; None when only the data's state was asked for)."""

    state: DataState
    cohort: Cohort | None
    data_locks: dict[str, Any]


@contextmanager
def analysis_snapshot() -> Iterator[None]:
    """One REPEATABLE READ, read-only snapshot for what follows (the caller's, within its
    transaction): every read in it sees the data as of one moment."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # within a caller's transaction, its snapshot is the one
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def analysis_inputs(cutoff: dt.date, *, facts: bool = True) -> AnalysisInputs:
    """Read the audit chain's head, the patients' columns and the locks in one snapshot, so
    the fingerprint stands for exactly the data the results are computed from (a write
    committing meanwhile is in neither). Without `facts`, only the head and the locks."""
    with analysis_snapshot():
        state = data_state()
        read = cohort_of(cutoff) if facts else None
        return AnalysisInputs(state, read, analysis_data_locks())


def analysis_results(
    *, cutoff: dt.date, strata_factors: Sequence[str], ties: str = "efron"
) -> tuple[Cohort, dict]:
    """The computation of a cut-off: the patients' columns read, and the results with the
    share of locked data. The statistician's `analyze` command calls this; the worker too,
    through analysis_run_compute."""
    inputs = analysis_inputs(cutoff)
    assert inputs.cohort is not None
    return inputs.cohort, _results_of(inputs, cutoff, strata_factors, ties)


def _results_of(
    inputs: AnalysisInputs, cutoff: dt.date, strata_factors: Sequence[str], ties: str
) -> dict:
    assert inputs.cohort is not None and inputs.cohort.cutoff == cutoff
    results = cohort_analysis(inputs.cohort, strata_factors, ties=ties)
    results["data_locks"] = inputs.data_locks
    return results


@transaction.atomic
def analysis_run_request(
    *,
    cutoff: dt.date | None = None,
    strata_factors: Sequence[str] | None = None,
    ties: str = "efron",
    user: User | None = None,
) -> AnalysisRun:
    """Record an analysis of the data up to `cutoff` and queue it once committed.

    Nothing of the trial is read here, so the request answers at once whatever its size:
    the worker reads the data, and serves the run from an identical finished one when
    nothing changed (analysis_run_compute).
    """
    cutoff = analysis_cutoff_checked(cutoff or timezone.localdate())
    factors = analysis_strata_checked(strata_factors)
    run = AnalysisRun.objects.create(
        cutoff=cutoff,
        strata_factors=factors,
        ties=analysis_ties_checked(ties),
        requested_by=user,
    )

    def send() -> None:
        # Sent once committed, so the worker finds the run. A broker that is down leaves it
        # waiting for the queue (sent_at empty; the page says so) and the sweep sends it.
        run.sent_at = analysis_run_send(run_id=run.pk)

    transaction.on_commit(send, robust=True)
    return run


def analysis_run_send(*, run_id: int) -> dt.datetime | None:
    """Hand a run to the queue and record when; None, and a warning, if the broker is down.

    The publish gives up within about two seconds (CELERY_BROKER_TRANSPORT_OPTIONS and
    CELERY_TASK_PUBLISH_RETRY_POLICY), so a request does not hang on a dead broker.
    """
    from endpoints.tasks import analysis_run_execute_task

    try:
        analysis_run_execute_task.delay(run_id)
    except BrokerUnavailable as error:
        logger.warning(
            "The analysis queue is unavailable (%s): run %s is recorded and waits for the sweep",
            error,
            run_id,
        )
        return None
    sent_at = timezone.now()
    AnalysisRun.objects.filter(pk=run_id).update(sent_at=sent_at)
    return sent_at


def _lease_duration() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ANALYSIS_LEASE_SECONDS)


def analysis_run_claim(run_id: int) -> int | None:
    """Take a run to compute: a queued one, or a running one whose worker's lease expired.

    Returns the attempt number the caller now holds, the token its later writes are
    conditional on; None when the run is not to be taken (done, failed, held by a live
    worker, or out of attempts: the sweep fails it).
    """
    now = timezone.now()
    claimable = Q(status=AnalysisRun.Status.QUEUED) | Q(
        status=AnalysisRun.Status.RUNNING,
        lease_expires_at__lt=now,
        attempts__lt=settings.ANALYSIS_MAX_ATTEMPTS,
    )
    with transaction.atomic():
        # The conditional update locks the row until commit: a second claimer waits, then
        # re-reads the row, which no longer matches. The attempt is read under that lock.
        claimed = AnalysisRun.objects.filter(claimable, pk=run_id).update(
            status=AnalysisRun.Status.RUNNING,
            started_at=now,
            lease_expires_at=now + _lease_duration(),
            attempts=F("attempts") + 1,
            error="",
            updated_at=now,
        )
        if not claimed:
            return None
        return AnalysisRun.objects.values_list("attempts", flat=True).get(pk=run_id)


def analysis_run_lease_renew(*, run_id: int, attempt: int) -> bool:
    """Extend the lease of the worker holding `attempt`; False once another took the run over."""
    renewed = AnalysisRun.objects.filter(
        pk=run_id, status=AnalysisRun.Status.RUNNING, attempts=attempt
    ).update(lease_expires_at=timezone.now() + _lease_duration())
    return renewed == 1


class LeaseKept:
    """Renew a run's lease from a thread every third of ANALYSIS_LEASE_SECONDS while it is
    computed: one step of the computation may take minutes, and a live worker must keep its run.
    """

    def __init__(self, *, run_id: int, attempt: int) -> None:
        self.run_id, self.attempt = run_id, attempt
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, name=f"analysis-run-{run_id}-lease", daemon=True
        )

    def __enter__(self) -> LeaseKept:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _renew(self) -> None:
        try:
            while not self._done.wait(settings.ANALYSIS_LEASE_SECONDS / 3):
                try:
                    renewed = analysis_run_lease_renew(run_id=self.run_id, attempt=self.attempt)
                except DatabaseError as error:
                    # PostgreSQL restarting: try again at the next beat with a new connection.
                    logger.warning("Analysis run %s: lease not renewed (%s)", self.run_id, error)
                    connection.close()
                    continue
                if not renewed:
                    # Done (its figures are drawn after, still within the lease), or taken
                    # over by another worker: then this attempt's result will not be written.
                    if not AnalysisRun.objects.filter(
                        pk=self.run_id, status=AnalysisRun.Status.DONE
                    ).exists():
                        logger.warning(
                            "Analysis run %s: attempt %s lost its lease to another worker",
                            self.run_id,
                            self.attempt,
                        )
                    return
        finally:
            connection.close()  # this thread's own connection


def _figures(results: dict, computed_at: str) -> dict[str, dict[str, str]]:
    """Every figure of the run as SVG (endpoints/plots.py): the Kaplan-Meier curves by arm
    and pooled, and the forest plot, which is comparative only and served to the roles that
    may read results by arm."""
    return analysis_figures(results, computed_at)


def _figures_stored(run_id: int, results: dict, finished_at: dt.datetime) -> None:
    """Draw a run's figures once its results are stored, and store them beside.

    After, not before: the results are read as soon as they are there, and drawing the five
    figures costs about half a second at any size (more than the statistics of 100,000
    patients). A figure asked for meanwhile, or never stored (this worker stopped, a
    drawing failed), is drawn from the results when asked (endpoints/figure_files.py).
    """
    try:
        figures = _figures(results, finished_text(finished_at))
        AnalysisRun.objects.filter(
            pk=run_id, status=AnalysisRun.Status.DONE, figures__isnull=True
        ).update(figures=figures)
    except Exception:
        logger.exception("Analysis run %s: figures not stored; drawn when asked", run_id)


def _json_column(value: dict) -> Cast:
    """`value` for a JSON column, serialised once (results_json): the field would serialise
    it again."""
    return Cast(Value(results_json(value)), output_field=JSONField())


def results_json(value: dict) -> str:
    """A run's results as JSON text, refusing NaN or infinity as json.dumps(allow_nan=False)
    does (JSON cannot hold them).

    orjson, not json: a large run's Kaplan-Meier curves are megabytes of floats, which json
    formats twenty times slower (100k patients: 40-65 ms of a 0.3 s pipeline beside its
    statistics). orjson writes a non-finite float as null, hence the check first.
    """
    _refuse_non_finite(value)
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def _refuse_non_finite(value: Any) -> None:
    """Raise ValueError, as json.dumps(allow_nan=False) does, on a NaN or infinity anywhere
    in `value`; a list of numbers, with or without gaps (None), is checked in one pass at C
    speed."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            try:
                finite = all(map(math.isfinite, item))
            except (TypeError, OverflowError):
                try:  # numbers with gaps (a curve's confidence limits where it has none)
                    finite = all(map(math.isfinite, [x for x in item if x is not None]))
                except (TypeError, OverflowError):  # not numbers only: each item on its own
                    pending.extend(item)
                    continue
            if not finite:
                raise ValueError(_NOT_FINITE)
        elif isinstance(item, np.ndarray):
            if item.dtype.kind in "fc" and not np.isfinite(item).all():
                raise ValueError(_NOT_FINITE)
            if item.dtype.kind == "O":
                pending.extend(item.tolist())
        elif isinstance(item, float | np.floating) and not math.isfinite(item):
            raise ValueError(_NOT_FINITE)


_NOT_FINITE = "Out of range float values are not JSON compliant"


def analysis_run_execute(*, run_id: int) -> AnalysisRun | None:
    """Claim and compute a run, renewing its lease meanwhile; a run a live worker holds, or
    already done, is left alone."""
    attempt = analysis_run_claim(run_id)
    if attempt is None:
        logger.info("Analysis run %s is not waiting for a worker: nothing to do", run_id)
        return None
    logger.info("Analysis run %s claimed: attempt %s", run_id, attempt)
    with LeaseKept(run_id=run_id, attempt=attempt):
        return analysis_run_compute(run_id=run_id, attempt=attempt)


def _identical_finished_run(run: AnalysisRun, fingerprint: str) -> AnalysisRun | None:
    """The latest run computed (not itself reused) with the same parameters and data."""
    return (
        AnalysisRun.objects.filter(
            fingerprint=fingerprint, status=AnalysisRun.Status.DONE, served_from__isnull=True
        )
        .exclude(pk=run.pk)
        .defer("results", "figures")  # copied by the database (analysis_run_compute)
        .order_by("-finished_at", "-pk")
        .first()
    )


def analysis_run_compute(*, run_id: int, attempt: int) -> AnalysisRun | None:
    """Compute a claimed run and store the results, if `attempt` still holds the run.

    First the data's state: when a finished run has the same parameters and data, its
    results are reused (the run records which one it was served from), with today's locks.
    A worker whose lease expired (it was stalled) and whose run was taken over writes
    nothing, so the newer attempt's result stands. On an error the run goes back to the
    queue for another attempt, or fails with the reason once the attempts are used up; the
    error is re-raised for Celery to retry.
    """
    run = AnalysisRun.objects.get(pk=run_id)
    held = AnalysisRun.objects.filter(
        pk=run_id, status=AnalysisRun.Status.RUNNING, attempts=attempt
    )
    try:
        # The head alone first: no facts read when an identical run can be reused; else the
        # facts, in the same snapshot as the head and the locks read with it.
        with analysis_snapshot():
            head = analysis_inputs(run.cutoff, facts=False)
            fingerprint = _fingerprint(run, head.state)
            finished = _identical_finished_run(run, fingerprint)
            if finished is None:
                inputs = dataclasses.replace(head, cohort=cohort_of(run.cutoff))
        if finished is not None:
            now = timezone.now()
            done = held.update(
                status=AnalysisRun.Status.DONE,
                finished_at=now,
                lease_expires_at=None,
                # The same data, but perhaps locked since: the locks are those of today.
                # Copied within the database, megabytes of figures never parsed here.
                results=RawSQL(
                    "(SELECT coalesce(results, '{}'::jsonb) || %s::jsonb "
                    f"FROM {AnalysisRun._meta.db_table} WHERE id = %s)",
                    [json.dumps({"data_locks": head.data_locks}), finished.pk],
                ),
                figures=Subquery(AnalysisRun.objects.filter(pk=finished.pk).values("figures")),
                served_from=finished,
                fingerprint=fingerprint,
                data_seq=head.state.seq,
                updated_at=now,
            )
        else:
            results = _results_of(inputs, run.cutoff, run.strata_factors, run.ties)
            finished_at = timezone.now()
            done = held.update(
                status=AnalysisRun.Status.DONE,
                finished_at=finished_at,
                lease_expires_at=None,
                results=_json_column(results),
                updated_at=finished_at,
                fingerprint=fingerprint,
                data_seq=inputs.state.seq,
            )
    except Exception as exc:
        final = attempt >= settings.ANALYSIS_MAX_ATTEMPTS
        held.update(
            status=AnalysisRun.Status.FAILED if final else AnalysisRun.Status.QUEUED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now() if final else None,
            lease_expires_at=None,
            updated_at=timezone.now(),
        )
        raise
    if not done:
        logger.warning(
            "Analysis run %s: attempt %s was taken over by another worker; its result is discarded",
            run_id,
            attempt,
        )
        return None
    if finished is not None:
        logger.info("Analysis run %s done: served from run %s", run_id, finished.pk)
    else:
        logger.info("Analysis run %s done: attempt %s", run_id, attempt)
        _figures_stored(run_id, results, finished_at)
    # Results and figures (megabytes at a million patients) read only if the caller does.
    return AnalysisRun.objects.defer("results", "figures").get(pk=run_id)


def _fingerprint(run: AnalysisRun, state: DataState) -> str:
    return analysis_fingerprint(
        cutoff=run.cutoff, strata_factors=run.strata_factors, ties=run.ties, state=state
    )


def analysis_runs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-queue runs whose worker stopped renewing its lease (it died); fail the hopeless;
    send the runs the queue has not received (it was unavailable) or lost.

    Runs every ANALYSIS_SWEEP_SECONDS. Returns the ids put back in the queue.
    """
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.ANALYSIS_TIME_LIMIT_SECONDS)
    stopped = AnalysisRun.objects.filter(status=AnalysisRun.Status.RUNNING).filter(
        # Runs claimed before leases existed have none: the time limit tells, as it did.
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, started_at__lt=limit)
    )
    failed = stopped.filter(attempts__gte=settings.ANALYSIS_MAX_ATTEMPTS).update(
        status=AnalysisRun.Status.FAILED,
        finished_at=now,
        lease_expires_at=None,
        updated_at=now,
        error=f"Stopped after {settings.ANALYSIS_MAX_ATTEMPTS} attempts: the worker stopped "
        "before finishing (it died or ran past the time limit).",
    )
    requeued = list(stopped.values_list("pk", flat=True))
    AnalysisRun.objects.filter(pk__in=requeued, status=AnalysisRun.Status.RUNNING).update(
        status=AnalysisRun.Status.QUEUED,
        lease_expires_at=None,
        sent_at=None,
        updated_at=now,
        error="Re-queued: the worker stopped before finishing.",
    )
    if failed:
        logger.warning(
            "%s analysis runs failed after %s attempts", failed, settings.ANALYSIS_MAX_ATTEMPTS
        )
    # Sent: the runs just re-queued, those recorded while the queue was unavailable, and
    # those whose message was lost (broker restarted) long enough ago. A duplicate message
    # is harmless: the claim lets one worker through.
    unsent = AnalysisRun.objects.filter(status=AnalysisRun.Status.QUEUED).filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=now - dt.timedelta(seconds=QUEUED_RESEND_SECONDS))
    )
    for run_id in unsent.values_list("pk", flat=True):
        transaction.on_commit(partial(analysis_run_send, run_id=run_id), robust=True)
    return requeued


def cohort_columns_refresh() -> Refreshed | None:
    """Bring the patients' columns the worker keeps between runs up to date with the data
    (endpoints/cohort_cache.py), so that the next run reads only the patients written after.
    A worker does this as it starts."""
    started = time.perf_counter()
    refreshed = kept_columns_refresh()
    if refreshed is not None:
        read = "every patient" if refreshed.read_again is None else refreshed.read_again
        logger.info(
            "Cohort columns kept up to link %s: %s patients, read again: %s, in %.2f s",
            refreshed.seq,
            refreshed.patients,
            read,
            time.perf_counter() - started,
        )
    return refreshed


def analysis_nightly_refresh() -> AnalysisRun:
    """The nightly analysis at today's cut-off (the worker reuses the last when nothing
    changed)."""
    return analysis_run_request(cutoff=timezone.localdate())
