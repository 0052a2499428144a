"""Writes of the oversight app: CONSORT figures queued for the worker, and the record of each
DMC report generated."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError as BrokerUnavailable

from accounts.models import User
from oversight.consort import ConsortFlow, consort_flow
from oversight.consort_figure import consort_layout, consort_png, consort_svg
from oversight.dmc_report import report_fingerprint
from oversight.models import ConsortFigure, DmcReportGeneration

logger = logging.getLogger(__name__)
# Kept in English in the figure's record (an operator reads it); the page says it as it is.
DATA_CHANGED = gettext_noop(
    "The data changed before the figure was drawn; it is drawn again when asked."
)
# A figure still queued after this long is sent to the worker again when next asked for.
RESEND_AFTER_SECONDS = 60


def consort_list_href(cutoff: dt.date, key: str, arm: str | None) -> str:
    """Return the address of the list behind one count of the diagram."""
    query = {"cutoff": cutoff.isoformat(), **({"arm": arm} if arm else {})}
    return f"{reverse('oversight-consort-list', args=[key])}?{urlencode(query)}"


def _send(figure_id: int, language: str) -> None:
    from oversight.tasks import consort_figure_draw_task

    try:
        consort_figure_draw_task.delay(figure_id, language)
    except BrokerUnavailable:  # the next view of the page, a minute on, sends it again
        logger.warning("CONSORT figure %s: the queue is unavailable", figure_id, exc_info=True)


def figure_language(language: str | None = None) -> str:
    """The language a figure is drawn in: the one asked for, else the reader's (active)
    one, among the trial's languages; English otherwise."""
    language = (language or translation.get_language() or "en").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else "en"


def consort_figure_request(
    *,
    cutoff: dt.date,
    by_arm: bool,
    flow: ConsortFlow | None = None,
    fingerprint: str | None = None,
    language: str | None = None,
) -> ConsortFigure:
    """Return the figure of the flow as it is now, in the reader's language (or `language`):
    the one already drawn if nothing changed, else a new one queued for the worker (sent once
    this transaction commits), which draws it in that language. A caller that has just
    counted the flow of this cut-off passes it, or its fingerprint (pooled or by arm, as
    `by_arm` says)."""
    if fingerprint is None:
        flow = flow if flow is not None and flow.cutoff == cutoff else consort_flow(cutoff)
        fingerprint = flow.fingerprint(by_arm=by_arm)
    language = figure_language(language)
    try:
        with transaction.atomic():
            # Two readers asking at once: the unique fingerprint and language keep one figure.
            figure, created = ConsortFigure.objects.get_or_create(
                fingerprint=fingerprint,
                language=language,
                defaults={"cutoff": cutoff, "by_arm": by_arm},
            )
    except IntegrityError:
        figure = ConsortFigure.objects.get(fingerprint=fingerprint, language=language)
        created = False
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
        transaction.on_commit(lambda: _send(figure.pk, language), robust=True)
    return figure


def consort_figure_draw(*, figure_id: int, language: str | None = None) -> ConsortFigure:
    """Draw a queued figure (SVG and PNG) from the flow of its cut-off, in the language it
    was asked in (the figure's own, unless the task names one). Idempotent: a drawn figure
    is left alone. If the data changed since it was asked for, the figure is failed with the
    reason, and the page asks for the new one."""
    figure = ConsortFigure.objects.get(pk=figure_id)
    with translation.override(figure_language(language or figure.language)):
        return _draw(figure)


def _draw(figure: ConsortFigure) -> ConsortFigure:
    if figure.status == ConsortFigure.Status.DONE:
        return figure
    flow: ConsortFlow = consort_flow(figure.cutoff)
    if flow.fingerprint(by_arm=figure.by_arm) != figure.fingerprint:
        figure.status, figure.error = (
            ConsortFigure.Status.FAILED,
            DATA_CHANGED,
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
