"""The closed part of the DMC report: everything by arm. Built only once the caller
(oversight.dmc_report.dmc_report) has checked the reader may see arms.

Survival, responses and early deaths come from the analysis run of the report's cut-off
(endpoints.AnalysisRun, computed by the worker: the same code and figures as the Analyses
page). When no run of that cut-off exists, a role that may start analyses queues one and
the part says it is being computed; anyone else is told to ask the statistician.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils.translation import gettext_lazy

import protocol
from accounts.models import User
from accounts.permissions import user_can_recompute_analyses
from endpoints import services as analysis_services
from endpoints.models import AnalysisRun
from endpoints.safety_cache import safety_tables_cached
from endpoints.safety_tables import SafetyTables
from oversight.baseline import baseline_table, columns_by_arm
from oversight.data_state_cache import kept_for_data_state
from visits.models import ProtocolDeviation

ARMS = tuple(protocol.Arm.values)
SURVIVAL_ENDPOINTS = {
    "OS": gettext_lazy("Overall survival"),
    "EFS": gettext_lazy("Event-free survival"),
}


def analysis_run_of(cutoff: dt.date) -> AnalysisRun | None:
    """Return the latest finished analysis of exactly this cut-off."""
    return (
        AnalysisRun.objects.filter(cutoff=cutoff, status=AnalysisRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def _curve(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if not summary:
        return None
    keys = ("n", "events", "median", "median_lower", "median_upper", "conf_type")
    return {key: summary.get(key) for key in keys}


def _comparison(comparison: dict[str, Any] | None) -> dict[str, Any] | None:
    if not comparison:
        return None
    shown = {}
    for name in ("unstratified", "stratified"):
        test = comparison.get(name)
        if not test:
            continue
        cox = test["cox"]
        shown[name] = {
            "hr": cox.get("hr"),
            "hr_lower": cox.get("hr_lower"),
            "hr_upper": cox.get("hr_upper"),
            "wald_p": cox.get("wald_p"),
            "not_estimable": cox.get("not_estimable", ""),
            "logrank_chisq": test["logrank"]["chisq"],
            "logrank_p": test["logrank"]["p"],
        }
    return {"strata_factors": comparison.get("strata_factors", []), **shown}


def analysis_section(run: AnalysisRun) -> dict[str, Any]:
    """OS and EFS by arm with the comparison, response rates and early deaths of a run."""
    results = run.results or {}
    endpoints = {}
    for parameter, title in SURVIVAL_ENDPOINTS.items():
        endpoint = results["endpoints"][parameter]
        endpoints[parameter] = {
            "title": title,
            "by_arm": {arm: _curve(endpoint["by_arm"].get(arm)) for arm in ARMS},
            "comparison": _comparison(endpoint.get("comparison")),
            "figure": reverse("analysis-figure", args=[run.pk, parameter, "by_arm"]),
        }
    responses = results.get("responses", {})
    return {
        "run": {
            "id": run.pk,
            "cutoff": run.cutoff.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "fingerprint": run.fingerprint,
        },
        "n_by_arm": results.get("n_by_arm", {}),
        "median_follow_up_days": results.get("median_follow_up_days"),
        "endpoints": endpoints,
        "response_rates": responses.get("rates", {}),
        "best_response_by_arm": responses.get("best_response_by_arm", {}),
        "early_mortality": (results.get("early_mortality") or {}).get("by_arm", {}),
    }


def analysis_at(cutoff: dt.date, *, user: User) -> dict[str, Any]:
    run = analysis_run_of(cutoff)
    if run is not None:
        return {"status": "done", **analysis_section(run)}
    if user_can_recompute_analyses(user):
        queued = analysis_services.analysis_run_request(cutoff=cutoff, user=user)
        if queued.status == AnalysisRun.Status.DONE:
            return {"status": "done", **analysis_section(queued)}
        return {"status": "queued", "run": {"id": queued.pk, "cutoff": cutoff.isoformat()}}
    return {"status": "missing"}


def deviations_at(cutoff: dt.date) -> dict[str, Any]:
    """Protocol deviations found by the cut-off, by kind (with severity) and arm."""
    counts: Counter = Counter()
    still_open: Counter = Counter()
    corrected_by_cutoff = Q(corrected_on__isnull=False) & Q(corrected_on__lte=cutoff)
    for kind, arm, corrected, n in (
        ProtocolDeviation.objects.annotate(
            found_on=TruncDate("detected_at"), corrected_on=TruncDate("corrected_at")
        )
        .filter(found_on__lte=cutoff)
        .order_by()
        .values_list(
            "kind",
            Coalesce("patient__randomization__arm", Value("")),
            ExpressionWrapper(corrected_by_cutoff, output_field=BooleanField()),
        )
        .annotate(n=Count("pk"))
    ):
        counts[(kind, arm)] += n
        if not corrected:
            still_open[(kind, arm)] += n
    rows = [
        {
            "kind": kind.label,
            "severity": protocol.DEVIATION_SEVERITIES[kind].label,
            "by_arm": [counts[(kind.value, arm)] for arm in ARMS],
            "not_corrected": [still_open[(kind.value, arm)] for arm in ARMS],
        }
        for kind in protocol.DeviationKind
    ]
    return {"arms": [protocol.Arm(a).label for a in ARMS], "rows": rows}


def safety_tables_at(cutoff: dt.date, *, user: User) -> SafetyTables:
    """The TEAE tables and the SAE listing by arm (endpoints.safety_tables), as the safety
    page computes them for this reader, and from the same cache (endpoints.safety_cache):
    kept until a record they read changes. Only ever asked for an unblinded reader, whose
    tables are by arm."""
    return safety_tables_cached(user=user, cutoff=cutoff)


def by_arm_counts(cutoff: dt.date) -> dict[str, Any]:
    """Baseline by arm and deviations by arm: the same for every unblinded reader (three
    queries, grouped by PostgreSQL)."""
    return {
        "baseline_by_arm": baseline_table(cutoff, columns_by_arm()),
        "deviations": deviations_at(cutoff),
    }


def closed_part(cutoff: dt.date, *, user: User) -> dict[str, Any]:
    """The closed part for this reader."""
    # Counted once per state of the data (oversight.data_state_cache); the analysis (which
    # a statistician's reading may queue) and the safety tables (kept per reader by the
    # safety page's cache) are read for this reader.
    counts = kept_for_data_state("dmc-closed-counts", cutoff, lambda: by_arm_counts(cutoff))
    tables = safety_tables_at(cutoff, user=user)
    return {
        "arms": {arm: protocol.Arm(arm).label for arm in ARMS},
        "baseline_by_arm": counts["baseline_by_arm"],
        "analysis": analysis_at(cutoff, user=user),
        "safety_tables": tables,  # rendered by its own fragment; JSON through report_json
        "deviations": counts["deviations"],
    }
