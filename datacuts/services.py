"""Freezing a data cut-off into a package, and reading a frozen package back.

The request records the cut and queues it (after commit); a Celery worker builds the
package from one consistent snapshot of the database and stores it with the cut's
fingerprint, code version and SHA-256. A frozen cut never changes: this module refuses, and
a trigger refuses any UPDATE or DELETE behind it. On every download the package's SHA-256 is
computed again and compared with the one recorded at freezing: a package altered since is
refused, logged, and nothing of it is served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

import protocol
from accounts.models import User
from accounts.permissions import user_can_freeze_data_cuts, user_can_list_data_cuts
from audit.records import record_create
from datacuts.models import LABEL_MAX_LENGTH, DataCut, DataCutPackage
from datacuts.package import package_build
from datacuts.recompute import STRATA_COLUMNS
from randomization.blinding import arms_visible_to
from randomization.services import arms_viewing_record
from refusals import Conflict, Refused

logger = logging.getLogger(__name__)
# Freezing reads every dataset of the trial once: far longer than a page, bounded all the same.
BUILD_TIME_LIMIT_SECONDS = 30 * 60
# A build running past its time limit was lost with its worker: the next message takes it over.
BUILD_STALE_SECONDS = BUILD_TIME_LIMIT_SECONDS + 5 * 60
# A cut still queued this long after it was sent: its message was lost (broker restarted).
RESEND_SECONDS = 10 * 60


class FrozenCutUnchangeable(Conflict):
    """A frozen cut and its package never change (409)."""

    def __init__(self, cut: DataCut) -> None:
        super().__init__(
            _(
                "The data cut '%(label)s' was frozen on %(frozen_at)s UTC and never changes: "
                "freeze a new cut instead."
            )
            % {"label": cut.label, "frozen_at": f"{cut.frozen_at:%d/%m/%Y %H:%M}"},
            existing=cut,
        )


class PackageAltered(Conflict):
    """The stored package no longer has the SHA-256 recorded at freezing: not served."""

    def __init__(self, cut: DataCut) -> None:
        super().__init__(
            _(
                "The package of the data cut '%(label)s' does not match the SHA-256 recorded "
                "when it was frozen: it was altered since. Nothing was served; the refusal is "
                "logged. Tell the data manager, who restores it from a backup."
            )
            % {"label": cut.label}
        )


def data_cut_freeze(*, user: User, cutoff: dt.date, label: str) -> DataCut:
    """Record a data cut at `cutoff` and queue its freezing on a worker.

    The statistician or the data manager freezes; the worker builds the package after the
    commit (`data_cut_build`). The analysis strata are those of the trial's analyses.
    """
    if not user_can_freeze_data_cuts(user):
        raise PermissionDenied(_("Only the statistician and the data manager freeze data cuts."))
    label = (label or "").strip()
    errors: dict[str, list[str]] = {}
    if not label:
        errors["label"] = [_("Name the data cut, e.g. 'DMC meeting 2'.")]
    elif len(label) > LABEL_MAX_LENGTH:
        errors["label"] = [_("Keep the label to %(max)s characters.") % {"max": LABEL_MAX_LENGTH}]
    elif DataCut.objects.filter(label=label).exclude(status=DataCut.Status.FAILED).exists():
        errors["label"] = [_("A data cut is already named '%(label)s'.") % {"label": label}]
    if cutoff is None:
        errors["cutoff"] = [_("Give the data cut-off date.")]
    elif cutoff > timezone.localdate():
        errors["cutoff"] = [_("The data cut-off cannot be in the future.")]
    factors = list(settings.TRIAL_ANALYSIS_STRATA)
    unknown = [f for f in factors if f not in STRATA_COLUMNS]
    if unknown:
        errors["cutoff"] = [
            _("The analysis strata %(strata)s have no column in ADSL.") % {"strata": unknown}
        ]
    if errors:
        raise Refused(errors)
    try:
        with transaction.atomic():
            cut = record_create(
                DataCut(label=label, cutoff=cutoff, strata_factors=factors, requested_by=user),
                user=user,
                reason=f"Data cut at {cutoff.isoformat()} requested",
            )
    except IntegrityError:  # the same label asked for at the same moment: the first wins
        raise Refused(
            {"label": [_("A data cut is already named '%(label)s'.") % {"label": label}]}
        ) from None
    transaction.on_commit(lambda: data_cut_send(cut_id=cut.pk), robust=True)
    return cut


def data_cut_send(*, cut_id: int) -> dt.datetime | None:
    """Hand a cut to the queue; None, and a warning, if the broker is down (it stays queued
    and is sent by `data_cuts_sweep`)."""
    from datacuts.tasks import data_cut_build_task

    try:
        data_cut_build_task.delay(cut_id)
    except BrokerUnavailable as error:
        logger.warning("The queue is unavailable (%s): data cut %s waits", error, cut_id)
        return None
    sent_at = timezone.now()
    DataCut.objects.filter(pk=cut_id, status=DataCut.Status.QUEUED).update(sent_at=sent_at)
    return sent_at


def _claim(cut_id: int) -> bool:
    """Take a queued cut (or one whose worker died mid-build) to build: one worker only."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=BUILD_STALE_SECONDS)
    claimable = Q(status=DataCut.Status.QUEUED) | Q(
        status=DataCut.Status.BUILDING, started_at__lt=stale
    )
    # The conditional update locks the row: a second claimer re-reads it and finds no match.
    with pghistory.context(reason="Data cut: freezing started"):
        return bool(
            DataCut.objects.filter(claimable, pk=cut_id).update(
                status=DataCut.Status.BUILDING, started_at=now, error=""
            )
        )


def data_cut_build(*, cut_id: int) -> DataCut | None:
    """Build and store a claimed cut's package; None when the cut is not waiting for a worker.

    The package is read in one REPEATABLE READ transaction, so the datasets, the results
    and the fingerprint all show the database at one moment, however long it takes. It is
    stored with the cut turning frozen in one transaction: a cut is frozen with its package
    or not at all. An error fails the cut with the reason (a new cut may be frozen).
    """
    if not _claim(cut_id):
        logger.info("Data cut %s is not waiting for a worker: nothing to do", cut_id)
        return None
    cut = DataCut.objects.select_related("requested_by").get(pk=cut_id)
    try:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:  # the isolation level can only be set before the first query
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            built = package_build(cut=cut)
        with transaction.atomic(), pghistory.context(reason="Data cut frozen"):
            DataCutPackage.objects.create(cut=cut, content=built.content, sha256=built.sha256)
            frozen = DataCut.objects.filter(pk=cut_id, status=DataCut.Status.BUILDING).update(
                status=DataCut.Status.FROZEN,
                frozen_at=built.frozen_at,
                fingerprint=built.fingerprint,
                code_version=built.code_version,
                size=len(built.content),
                sha256=built.sha256,
            )
            if not frozen:  # another worker took the cut over: it stores its own package
                raise RuntimeError(f"Data cut {cut_id} was taken over by another worker")
    except Exception as exc:
        with pghistory.context(reason="Data cut: freezing failed"):
            DataCut.objects.filter(pk=cut_id, status=DataCut.Status.BUILDING).update(
                status=DataCut.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        logger.exception("Data cut %s failed", cut_id)
        raise
    logger.info("Data cut %s frozen: %s bytes, sha256 %s", cut_id, len(built.content), built.sha256)
    return DataCut.objects.get(pk=cut_id)


def data_cuts_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Send again the cuts no worker has: recorded while the queue was unavailable, sent
    long ago and still queued (the broker lost the message), or building past the time
    limit (the worker died). Returns their ids; a duplicate message is harmless."""
    now = now or timezone.now()
    waiting = DataCut.objects.filter(
        Q(status=DataCut.Status.QUEUED, sent_at__isnull=True)
        | Q(status=DataCut.Status.QUEUED, sent_at__lt=now - dt.timedelta(seconds=RESEND_SECONDS))
        | Q(
            status=DataCut.Status.BUILDING,
            started_at__lt=now - dt.timedelta(seconds=BUILD_STALE_SECONDS),
        )
    )
    ids = list(waiting.values_list("pk", flat=True))
    for cut_id in ids:
        data_cut_send(cut_id=cut_id)
    return ids


def data_cut_relabel(*, cut: DataCut, user: User, label: str) -> DataCut:
    """Rename a cut not yet frozen; a frozen cut is refused, whoever asks (and the trigger
    refuses the UPDATE behind this check)."""
    if not user_can_freeze_data_cuts(user):
        raise PermissionDenied(_("Only the statistician and the data manager name data cuts."))
    if cut.status == DataCut.Status.FROZEN:
        raise FrozenCutUnchangeable(cut)
    label = (label or "").strip()
    if not label or len(label) > LABEL_MAX_LENGTH:
        raise Refused(
            {
                "label": [
                    _("Name the data cut in 1 to %(max)s characters.") % {"max": LABEL_MAX_LENGTH}
                ]
            }
        )
    with pghistory.context(user=user.pk, reason="Data cut renamed before freezing"):
        renamed = (
            DataCut.objects.filter(pk=cut.pk)
            .exclude(status=DataCut.Status.FROZEN)
            .update(label=label)
        )
    if not renamed:  # frozen meanwhile
        raise FrozenCutUnchangeable(DataCut.objects.get(pk=cut.pk))
    cut.label = label
    return cut


def user_can_download_data_cut(user: User) -> bool:
    """The package holds results by arm: the roles that list cuts and may see the arms
    (statistician, DMC; the sponsor once the trial is unblinded; never the data manager)."""
    return user_can_list_data_cuts(user) and arms_visible_to(user)


def data_cut_package_read(*, cut: DataCut, user: User) -> bytes:
    """Return a frozen cut's package for download, once its SHA-256 is checked again.

    Refused to a role that may not read results by arm (403); a package whose SHA-256 is
    not the one recorded at freezing is refused (409) and logged, nothing of it served.
    Each download is recorded with the viewings of the arms (randomization's SequenceViewing).
    """
    if not user_can_download_data_cut(user):
        raise PermissionDenied(
            _("The data cut's package holds results by arm, confidential while the trial runs.")
        )
    if cut.status != DataCut.Status.FROZEN:
        raise Refused(
            {"status": [_("The data cut '%(label)s' is not frozen yet.") % {"label": cut.label}]}
        )
    package = DataCutPackage.objects.get(cut=cut)
    content = bytes(package.content)
    actual = hashlib.sha256(content).hexdigest()
    if not (actual == package.sha256 == cut.sha256) or len(content) != cut.size:
        logger.error(
            "Data cut %s (%s): package sha256 %s, recorded %s at freezing; download by %s refused",
            cut.pk,
            cut.label,
            actual,
            cut.sha256,
            user.staff_id,
        )
        raise PackageAltered(cut)
    arms_viewing_record(
        user=user, what=f"{protocol.STUDY_ID} data cut '{cut.label}' package ({cut.sha256[:12]})"
    )
    logger.info("Data cut %s downloaded by %s (sha256 checked)", cut.pk, user.staff_id)
    return content
