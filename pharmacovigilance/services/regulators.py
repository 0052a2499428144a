"""The SUSAR's reports to the regulators (ANSM / EudraVigilance), which stop its clock, and
the beat task's sweep of the clock."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from audit.records import record_update
from notices.models import NoticeKind
from pharmacovigilance.models import Regulator, Susar
from pharmacovigilance.selectors import susar_clock
from pharmacovigilance.services.desk import (
    Errors,
    add_error,
    notify_case,
    require_pharmacovigilance,
)
from refusals import Refused
from refusals.text import has_visible_text, text_checked


def _susar_for_write(susar: Susar, user: User) -> Susar:
    require_pharmacovigilance(user)
    # One recording at a time: a second officer's report waits and then sees the first.
    susar = (
        Susar.objects.select_for_update(of=("self",))
        .select_related("assessment__report__patient__site")
        .get(pk=susar.pk)
    )
    if susar.withdrawn_at is not None:
        raise Refused(
            {"__all__": [_("This case is no longer a SUSAR (revised assessment): not reported.")]}
        )
    return susar


def _reported_at_errors(susar: Susar, reported_at: dt.datetime | None, now: dt.datetime) -> Errors:
    errors: Errors = {}
    if reported_at is None:
        add_error(errors, "reported_at", _("Give the date and time the report was sent."))
    elif reported_at > now:
        add_error(errors, "reported_at", _("The report cannot have been sent in the future."))
    elif reported_at < susar.sponsor_received_at:
        add_error(
            errors,
            "reported_at",
            _("The report cannot precede the sponsor's first knowledge of the case (%(received)s).")
            % {"received": f"{timezone.localtime(susar.sponsor_received_at):%d/%m/%Y %H:%M}"},
        )
    return errors


@transaction.atomic
def susar_report_record(
    *,
    susar: Susar,
    user: User,
    reported_at: dt.datetime | None,
    reported_to: str,
    reference: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Susar:
    """Record that the SUSAR was reported to the regulators (ANSM / EudraVigilance): the
    clock of its initial report stops.

    A data lock does not refuse it: the lock freezes the patient's clinical data for an
    analysis, and the report to the regulators is a legal duty on its own clock.
    """
    susar = _susar_for_write(susar, user)
    now = now or timezone.now()
    if susar.reported_at is not None:
        raise Refused(
            {
                "reported_at": [
                    _(
                        "The report to the regulators is already recorded "
                        "(%(reported)s, %(reference)s)."
                    )
                    % {
                        "reported": f"{timezone.localtime(susar.reported_at):%d/%m/%Y %H:%M}",
                        "reference": susar.reference,
                    }
                ]
            }
        )
    errors = _reported_at_errors(susar, reported_at, now)
    if reported_to not in Regulator.values:
        add_error(errors, "reported_to", _("Choose to whom it was reported."))
    if not has_visible_text(reference or ""):
        add_error(
            errors, "reference", _("Give the regulator's reference (e.g. the EV case number).")
        )
    if errors:
        raise Refused(errors)
    susar.reported_at = reported_at
    susar.reported_to = reported_to
    susar.reference = text_checked(Susar, "reference", reference.strip())
    susar.reported_by = user
    with override("en"):  # the audit trail's reason stays in English
        reason = f"SUSAR reported to {Regulator(reported_to).label}"
    return record_update(
        susar,
        fields=["reported_at", "reported_to", "reference", "reported_by"],
        expected_version=expected_version,
        user=user,
        reason=reason,
    )


@transaction.atomic
def susar_follow_up_record(
    *,
    susar: Susar,
    user: User,
    reported_at: dt.datetime | None,
    reference: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Susar:
    """Record the follow-up report of a fatal or life-threatening SUSAR (due on day 15)."""
    susar = _susar_for_write(susar, user)
    now = now or timezone.now()
    errors: Errors = {}
    if not susar.fatal_or_life_threatening:
        add_error(
            errors, "__all__", _("Only a fatal or life-threatening SUSAR has a day-15 follow-up.")
        )
    elif susar.reported_at is None:
        add_error(errors, "__all__", _("Record the initial report to the regulators first."))
    elif susar.follow_up_reported_at is not None:
        add_error(errors, "reported_at", _("The follow-up report is already recorded."))
    if errors:
        raise Refused(errors)
    errors = _reported_at_errors(susar, reported_at, now)
    if (
        reported_at is not None
        and susar.reported_at is not None
        and reported_at < susar.reported_at
    ):
        add_error(errors, "reported_at", _("The follow-up cannot precede the initial report."))
    if not has_visible_text(reference or ""):
        add_error(errors, "reference", _("Give the regulator's reference of the follow-up."))
    if errors:
        raise Refused(errors)
    susar.follow_up_reported_at = reported_at
    susar.follow_up_reference = text_checked(
        Susar, "follow_up_reference", reference.strip(), field="reference"
    )
    susar.follow_up_reported_by = user
    return record_update(
        susar,
        fields=["follow_up_reported_at", "follow_up_reference", "follow_up_reported_by"],
        expected_version=expected_version,
        user=user,
        reason="SUSAR follow-up reported to the regulators",
    )


# --- The clock's sweep ---------------------------------------------------------------------


def susar_clock_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Notify each SUSAR due within 48 hours, and each overdue one: once each per SUSAR.

    Idempotent: the SUSAR is stamped by a conditional UPDATE in the notice's transaction, so
    two sweeps running together notify once.
    """
    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0}
    pending = Susar.objects.filter(withdrawn_at__isnull=True).filter(
        overdue_notified_at__isnull=True
    )
    for susar in pending.select_related("assessment__report__patient__site"):
        clock = susar_clock(susar, now=now)
        if clock.overdue:
            kind, stamp, key = NoticeKind.SUSAR_OVERDUE, "overdue_notified_at", "overdue"
        elif clock.due_soon and susar.due_soon_notified_at is None:
            kind, stamp, key = NoticeKind.SUSAR_DUE_SOON, "due_soon_notified_at", "due_soon"
        else:
            continue
        with (
            transaction.atomic(),
            pghistory.context(system="pharmacovigilance.susar_clock_sweep", reason=kind.label),
        ):
            if not Susar.objects.filter(pk=susar.pk, **{f"{stamp}__isnull": True}).update(
                **{stamp: now}
            ):
                continue
            notify_case(
                kind,
                susar.assessment.report,
                deadline=clock.open_deadline,
                what=f"SUSAR {susar.pk}",
            )
            counts[key] += 1
    return counts
