"""Reads of the oversight app: the lists behind the CONSORT counts, the reports' records."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import user_can_see_arms
from oversight.consort import ConsortFlow, PatientPath
from oversight.models import DmcReportGeneration, DmcReportPart
from patients.models import Patient
from patients.selectors import patients_visible_to


def consort_box_patients(
    user: User, flow: ConsortFlow, key: str, arm: str | None = None
) -> list[tuple[PatientPath, Patient]]:
    """Return the patients behind a count whom this account may see: a site-bound account
    sees its own sites' only (the count stays the trial's)."""
    paths = flow.members(key, arm)
    visible = patients_visible_to(user).in_bulk([p.patient_id for p in paths])
    return [(p, visible[p.patient_id]) for p in paths if p.patient_id in visible]


def dmc_report_generations(user: User, limit: int = 50) -> QuerySet[DmcReportGeneration]:
    """Return the latest reports generated, of the parts this account may read."""
    generations = DmcReportGeneration.objects.select_related("generated_by")
    if not user_can_see_arms(user):
        generations = generations.filter(part=DmcReportPart.OPEN)
    return generations[:limit]
