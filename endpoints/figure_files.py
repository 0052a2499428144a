"""A run's figures in the reader's language.

The worker stores each run's figures as SVG in English (endpoints.plots.analysis_figures),
just after its results: an English reader is served them as stored. A reader in another
language, or anyone asking before they are stored, gets the figure drawn from the run's
results by the same code, in their language, kept in the cache per run, figure and language
(a finished run's results never change). PNG and PDF are drawn on each request, as before,
in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.utils import timezone, translation

from endpoints import plots
from endpoints.models import AnalysisRun

logger = logging.getLogger(__name__)
# The figures of a finished run never change: a day in the cache, then drawn again if asked.
CACHE_SECONDS = 24 * 3600
STORED_LANGUAGE = "en"


def computed_at(run: AnalysisRun) -> str:
    """When the run was computed, in UTC as the worker passes it to its figures (which write
    it in the trial's time with its zone, endpoints.plots.computed_text); a run served from
    an identical finished run shows that run's figures, and its time."""
    computed = run.served_from if run.served_from_id and run.served_from else run
    return finished_text(computed.finished_at or timezone.now())


def finished_text(finished_at: dt.datetime) -> str:
    """A run's finish as its figures are given it: the worker drawing them after the results
    and a reader's request drawing them again write the same time, so the same file."""
    return finished_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def reader_language() -> str:
    return (translation.get_language() or STORED_LANGUAGE).split("-")[0]


def run_figure(run: AnalysisRun, *, name: str, kind: str, file_format: str) -> str | bytes | None:
    """Return one figure of a finished run in the active language: SVG (str), PNG or PDF
    (bytes); None if the run has no such figure.

    The worker stores the SVGs just after the results (endpoints.services): a figure asked
    for before, or never stored, is drawn from the results like a figure in another language.
    """
    if run.status != AnalysisRun.Status.DONE or not run.results:
        return None
    stored = ((run.figures or {}).get(name) or {}).get(kind)
    if file_format != "svg":
        return plots.analysis_figure_file(
            run.results,
            name=name,
            kind=kind,
            computed_at=computed_at(run),
            file_format=file_format,
        )
    language = reader_language()
    if language == STORED_LANGUAGE and stored is not None:
        return str(stored)
    key = f"analysis-figure:{run.pk}:{name}:{kind}:svg:{language}"
    try:
        cached = cache.get(key)
    except Exception:  # the cache down: draw it, as without a cache
        logger.warning("Figure cache unavailable", exc_info=True)
        cached = None
    if cached is not None:
        return str(cached)
    drawn = plots.analysis_figure_file(
        run.results, name=name, kind=kind, computed_at=computed_at(run), file_format="svg"
    )
    if drawn is None:
        return None
    svg = drawn.decode()
    try:
        cache.set(key, svg, CACHE_SECONDS)
    except Exception:
        logger.warning("Figure cache unavailable", exc_info=True)
    return svg
