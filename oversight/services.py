"""Writes of the oversight app: CONSORT figures queued for the worker, and the record of each
DMC report generated."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from accounts.models import User
from oversight.consort import ConsortFlow, consort_flow
from oversight.consort_figure import consort_layout, consort_png, consort_svg
from oversight.dmc_report import report_fingerprint
from oversight.models import ConsortFigure, DmcReportGeneration

logger = logging.getLogger(__name__)
# A figure still queued after this long is sent to the worker again when next asked for.
RESEND_AFTER_SECONDS = 60


def consort_list_href(cutoff: dt.date, key: str, arm: str | None) -> str:
    """Return the address of the list behind one count of the diagram."""
    query = {"cutoff": cutoff.isoformat(), **({"arm": arm} if arm else {})}
    return f"{reverse('oversight-consort-list', args=[key])}?{urlencode(query)}"


def _send(figure_id: int) -> None:
    from oversight.tasks import consort_figure_draw_task

    try:
        consort_figure_draw_task.delay(figure_id)
    except BrokerUnavailable:  # the next view of the page, a minute on, sends it again
        logger.warning("CONSORT figure %s: the queue is unavailable", figure_id, exc_info=True)


def consort_figure_request(
    *, cutoff: dt.date, by_arm: bool, flow: ConsortFlow | None = None
) -> ConsortFigure:
    """Return the figure of the flow as it is now: the one already drawn if nothing changed,
    else a new one queued for the worker (sent once this transaction commits). A caller that
    has just counted the flow of this cut-off passes it."""
    flow = flow if flow is not None and flow.cutoff == cutoff else consort_flow(cutoff)
    fingerprint = flow.fingerprint(by_arm=by_arm)
    try:
        with transaction.atomic():
            # Two readers asking at once: the unique fingerprint keeps one figure.
            figure, created = ConsortFigure.objects.get_or_create(
                fingerprint=fingerprint, defaults={"cutoff": cutoff, "by_arm": by_arm}
            )
    except IntegrityError:
        figure, created = ConsortFigure.objects.get(fingerprint=fingerprint), False
    if not created and figure.status == ConsortFigure.Status.FAILED:
        ConsortFigure.objects.filter(pk=figure.pk).update(
            status=ConsortFigure.Status.QUEUED, error=""
        )
        figure.status, created = ConsortFigure.Status.QUEUED, True
    resend_after = timezone.now() - dt.timedelta(seconds=RESEND_AFTER_SECONDS)
    if not created and figure.status == ConsortFigure.Status.QUEUED:
        # The message may have been lost (the broker was down): send it again.
        created = figure.requested_at < resend_after
    if created:
        transaction.on_commit(lambda: _send(figure.pk), robust=True)
    return figure


def consort_figure_draw(*, figure_id: int) -> ConsortFigure:
    """Draw a queued figure (SVG and PNG) from the flow of its cut-off. Idempotent: a drawn
    figure is left alone. If the data changed since it was asked for, the figure is failed
    with the reason, and the page asks for the new one."""
    figure = ConsortFigure.objects.get(pk=figure_id)
    if figure.status == ConsortFigure.Status.DONE:
        return figure
    flow: ConsortFlow = consort_flow(figure.cutoff)
    if flow.fingerprint(by_arm=figure.by_arm) != figure.fingerprint:
        figure.status, figure.error = (
            ConsortFigure.Status.FAILED,
            "The data changed before the figure was drawn; it is drawn again when asked.",
        )
        figure.save(update_fields=["status", "error"])
        return figure
    try:
        layout = consort_layout(
            flow,
            by_arm=figure.by_arm,
            link=lambda key, arm: consort_list_href(figure.cutoff, key, arm),
        )
        figure.svg, figure.png = consort_svg(layout), consort_png(layout)
    except Exception as exc:
        figure.status, figure.error = ConsortFigure.Status.FAILED, f"{type(exc).__name__}: {exc}"
        figure.save(update_fields=["status", "error"])
        raise
    figure.status, figure.error, figure.drawn_at = ConsortFigure.Status.DONE, "", timezone.now()
    figure.save(update_fields=["svg", "png", "status", "error", "drawn_at"])
    return figure


def dmc_report_generation_record(
    *, user: User, cutoff: dt.date, part: str, channel: str, content: dict[str, Any]
) -> DmcReportGeneration:
    """Record that `user` generated a part of the DMC report (append-only)."""
    return DmcReportGeneration.objects.create(
        generated_by=user,
        cutoff=cutoff,
        part=part,
        channel=channel,
        fingerprint=report_fingerprint(content),
    )
