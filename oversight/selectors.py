"""Reads of the oversight app: the lists behind the CONSORT counts, the reports' records."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import user_can_see_arms
from endpoints.figure_files import run_figure
from endpoints.models import AnalysisRun
from oversight.consort import ConsortFlow, PatientPath
from oversight.models import DmcReportGeneration, DmcReportPart
from patients.models import Patient
from patients.selectors import patients_visible_to


def consort_box_paths(
    user: User, flow: ConsortFlow, key: str, arm: str | None = None
) -> list[PatientPath]:
    """Return the paths through a box whose patient this account may see: a site-bound
    account sees its own sites' only (the count stays the trial's)."""
    visible = set(patients_visible_to(user).values_list("pk", flat=True))
    return [p for p in flow.members(key, arm) if p.patient_id in visible]


def consort_paths_patients(
    user: User, paths: Sequence[PatientPath]
) -> list[tuple[PatientPath, Patient]]:
    """Return each path with its patient (a page of a box's list: one query)."""
    found = patients_visible_to(user).in_bulk([p.patient_id for p in paths])
    return [(p, found[p.patient_id]) for p in paths if p.patient_id in found]


def dmc_report_generations(user: User, limit: int = 50) -> QuerySet[DmcReportGeneration]:
    """Return the latest reports generated, of the parts this account may read."""
    generations = DmcReportGeneration.objects.select_related("generated_by")
    if not user_can_see_arms(user):
        generations = generations.filter(part=DmcReportPart.OPEN)
    return generations[:limit]


def analysis_figures_inline(analysis: dict[str, Any]) -> dict[str, str]:
    """Return the by-arm Kaplan-Meier figures of the report's run as data: URIs, so the
    downloaded document holds them (only ever called for the closed part), in the reader's
    language."""
    run_id = (analysis.get("run") or {}).get("id")
    if analysis.get("status") != "done" or run_id is None:
        return {}
    run = AnalysisRun.objects.select_related("served_from").get(pk=run_id)
    sources = {}
    for name in analysis.get("endpoints", {}):
        svg = run_figure(run, name=name, kind="by_arm", file_format="svg")
        if isinstance(svg, str) and svg:
            encoded = base64.b64encode(svg.encode()).decode()
            sources[name] = f"data:image/svg+xml;base64,{encoded}"
    return sources
