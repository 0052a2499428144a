"""The follow-up schedule, computed from the protocol's declared phases.

Pure functions of dates: the service stores what they return, the tests read them as the
protocol's follow-up chapter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.translation import pgettext_lazy

import protocol


@dataclass(frozen=True)
class PlannedVisit:
    month: int  # months after the end of treatment: the visit's name (M3, M6, ...)
    target_on: dt.date
    window_opens_on: dt.date
    window_closes_on: dt.date


def end_of_study(first_randomization_on: dt.date) -> dt.date:
    """Return the end of study: 5 years after the trial's first randomization."""
    return first_randomization_on + relativedelta(
        years=protocol.END_OF_STUDY_AFTER_FIRST_RANDOMIZATION_YEARS
    )


def planned_visits(end_of_treatment_on: dt.date, end_of_study_on: dt.date) -> list[PlannedVisit]:
    """Return the visits due after the end of treatment, up to and including the end of study.

    Every 3 months in years 1-2 (the month-24 visit is the last 3-monthly one), every
    6 months after; each with the window of its phase. Months are calendar months.
    """
    visits: list[PlannedVisit] = []
    month = 0
    for phase in protocol.FOLLOW_UP_PHASES:
        while phase.until_month is None or month + phase.interval_months <= phase.until_month:
            month += phase.interval_months
            target = end_of_treatment_on + relativedelta(months=month)
            if target > end_of_study_on:
                return visits
            window = dt.timedelta(days=phase.window_days)
            visits.append(PlannedVisit(month, target, target - window, target + window))
    return visits


class VisitStatus:
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    MISSED = "missed"

    # Translators: a follow-up visit's status, shown as a badge (worklist, timeline).
    LABELS = {
        UPCOMING: pgettext_lazy("visit status", "Upcoming"),
        DUE: pgettext_lazy("visit status", "Due"),
        OVERDUE: pgettext_lazy("visit status", "Overdue"),
        DONE: pgettext_lazy("visit status", "Done"),
        MISSED: pgettext_lazy("visit status", "Missed"),
    }


def visit_status(
    *,
    window_opens_on: dt.date,
    window_closes_on: dt.date,
    performed_on: dt.date | None,
    missed: bool,
    today: dt.date,
) -> str:
    """Return the visit's status on `today`: done, missed, or by its window."""
    if performed_on is not None:
        return VisitStatus.DONE
    if missed:
        return VisitStatus.MISSED
    if today < window_opens_on:
        return VisitStatus.UPCOMING
    if today <= window_closes_on:
        return VisitStatus.DUE
    return VisitStatus.OVERDUE
