"""Reads for the safety tables: the serious adverse events of the SAE listing at a cut-off, for
the sites an account sees, in one query whatever the number of patients. The tables' counts
are the database's (endpoints.safety_counts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import Site
from endpoints.safety_rows import SafetyEvent
from safety.models import SaeReportVersion
from visits.models import AdverseEvent
from visits.treatment_emergence import treatment_emergent

# Pharmacovigilance's SUSAR of the event's SAE report, if any (one per assessed report).
_SUSAR = "sae_report__sponsor_assessment__susar"
# What the listing reads of an event: columns, not model instances (thousands at 10,000
# patients).
_COLUMNS = (
    "pk",
    "patient__study_id",
    "patient__site__number",
    "patient__randomization__arm",
    "term",
    "term_specified",
    "grade",
    "serious",
    "onset_on",
    "resolved_on",
    "related_to_dexamethasone",
    "related_to_salvage",
    "action_taken",
    "teae",
    "sae_version",
    "sae_status",
    "sae_received_at",
    "susar_classified_at",
    "susar_withdrawn_at",
    "susar_reported_at",
)


def serious_adverse_events(
    *, sites: QuerySet[Site], cutoff: dt.date, by_arm: bool, shows_susar: bool
) -> list[SafetyEvent]:
    """Return the serious adverse events of the randomized patients of these sites with
    onset on or before the cut-off, with their TEAE flag, their SAE report's state (its
    latest version) and its SUSAR state, as they stand today: plain rows, by site, patient
    and onset. Without the arm nor the relatedness to dexamethasone unless `by_arm` ("not
    applicable" tells the control arm), without the SUSAR state unless `shows_susar`."""
    versions = SaeReportVersion.objects.filter(report__adverse_event=OuterRef("pk")).order_by(
        "-number"
    )
    events = (
        AdverseEvent.objects.filter(
            onset_on__lte=cutoff,
            serious=True,
            patient__randomization__isnull=False,
            patient__site__in=sites,
        )
        .annotate(
            teae=treatment_emergent(),
            sae_version=Subquery(versions.values("number")[:1]),
            sae_status=Subquery(versions.values("status")[:1]),
            sae_received_at=F("sae_report__sponsor_received_at"),
            susar_classified_at=F(f"{_SUSAR}__classified_at"),
            susar_withdrawn_at=F(f"{_SUSAR}__withdrawn_at"),
            susar_reported_at=F(f"{_SUSAR}__reported_at"),
        )
        .order_by("patient__site__number", "patient__sequence", "onset_on", "pk")
        .values_list(*_COLUMNS)
    )
    reports: dict[tuple[int | None, str | None], str] = {}  # a few labels, thousands of rows
    rows = []
    for values in events:
        event = dict(zip(_COLUMNS, values, strict=True))
        report = (event["sae_version"], event["sae_status"])
        if report not in reports:
            reports[report] = _sae_report(*report)
        rows.append(
            SafetyEvent(
                adverse_event_id=event["pk"],
                study_id=event["patient__study_id"],
                site=f"{event['patient__site__number']:02d}",  # Site.code
                arm=event["patient__randomization__arm"] if by_arm else "",
                term=event["term"],
                term_specified=event["term_specified"],
                grade=event["grade"],
                serious=event["serious"],
                onset_on=event["onset_on"],
                resolved_on=event["resolved_on"],
                related_to_dexamethasone=event["related_to_dexamethasone"] if by_arm else "",
                related_to_salvage=event["related_to_salvage"],
                action_taken=event["action_taken"],
                treatment_emergent=event["teae"],
                sae_report=reports[report],
                sae_received_at=event["sae_received_at"],
                susar=_susar(event) if shows_susar else "",
            )
        )
    return rows


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _susar(event: dict[str, Any]) -> str:
    """Return the SUSAR state of the event's case: '' when pharmacovigilance found none."""
    if event["susar_classified_at"] is None:
        return ""
    if event["susar_withdrawn_at"] is not None:
        withdrawn = _utc(event["susar_withdrawn_at"])
        return _("SUSAR withdrawn %(at)s") % {"at": withdrawn}
    if event["susar_reported_at"] is not None:
        reported = _utc(event["susar_reported_at"])
        return _("SUSAR reported %(at)s") % {"at": reported}
    return _("SUSAR, not yet reported to the regulators")


def _sae_report(version: int | None, status: str | None) -> str:
    if version is None or status is None:
        return ""
    label = (
        _("initial report") if version == 0 else _("follow-up %(version)s") % {"version": version}
    )
    return _("%(report)s: %(status)s") % {
        "report": label,
        "status": str(SaeReportVersion.Status(status).label).lower(),
    }
