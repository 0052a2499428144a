"""What every write of the safety desk shares: who may make it, how refusals are gathered,
how a notice goes out (no patient-identifying data beyond the study ID)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import user_can_assess_saes
from notices.models import NoticeKind
from notices.services import notify
from pharmacovigilance.deadlines import Deadline
from safety.models import SaeReport

Errors = dict[str, list[str]]
ONLY_PHARMACOVIGILANCE = gettext_lazy(
    "The sponsor's pharmacovigilance assesses SAEs and reports SUSARs."
)


def require_pharmacovigilance(user: User) -> None:
    if not user_can_assess_saes(user):
        raise PermissionDenied(ONLY_PHARMACOVIGILANCE)


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def case_link(report: SaeReport) -> str:
    return reverse("pharmacovigilance-case", args=[report.pk])


def deadline_text(deadline: Deadline) -> str:
    """Return a deadline as the reader should see it: its day, the Paris calendar day, UTC."""
    return (
        f"{deadline.label} day {deadline.day}: by the end of {deadline.due_on:%d/%m/%Y} "
        f"({deadline.due_at.tzinfo}), {deadline.due_at.astimezone(dt.UTC):%d/%m/%Y %H:%M} UTC"
    )


def notify_case(
    kind: NoticeKind, report: SaeReport, *, deadline: Deadline | None, what: str
) -> None:
    """Tell the people the notification rules name; no patient data beyond the study ID."""
    facts = {"report": what}
    if deadline is not None:
        facts["deadline"] = deadline_text(deadline)
    notify(
        kind,
        site=report.patient.site,
        study_id=report.patient.study_id,
        link=case_link(report),
        facts=facts,
        about=report,
    )
