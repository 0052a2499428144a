"""The DMC report of a cut-off: an open part, pooled, and a closed part, by arm (or both in
one document, the open part first, for the unblinded roles).

The open part (accrual, the CONSORT flow pooled, baseline characteristics by stratum, data
completeness, overdue visits, queries) holds no arm anywhere: the steering committee, the
sponsor and the data manager read it. The closed part (baseline by arm, OS and EFS with the
hazard ratio and log-rank test, response rates, safety tables, early deaths, deviations) is
built only for the roles that may see arms (accounts.permissions.user_can_see_arms): asked
for by anyone else it is refused before a figure is read.

Each part is a JSON-ready dictionary: the page and the downloaded document render it, the
API returns it, and its SHA-256 is recorded with every generation (oversight.models).
Counts are the whole trial's; the open part names no patient (the closed part's safety
listing, endpoints.safety_tables, does).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from accounts.models import Site, User
from accounts.permissions import user_can_see_arms, user_can_view_dmc_open_report
from oversight import dmc_closed
from oversight.baseline import baseline_table, columns_by_site, columns_by_stratum
from oversight.consort import consort_flow
from oversight.data_state_cache import kept_for_data_state
from oversight.models import DmcReportPart
from randomization.models import Randomization
from review.models import DataQuery
from visits.models import EndOfTreatment, FollowUpVisit, TreatmentCycle

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

CLOSED_REFUSAL = gettext_lazy("The closed part of the DMC report is for the unblinded roles only.")
OPEN_REFUSAL = gettext_lazy("Your role does not read the DMC report.")
OVERDUE_BANDS = (
    (1, 30, gettext_lazy("1–30 days")),
    (31, 90, gettext_lazy("31–90 days")),
    (91, None, gettext_lazy("over 90 days")),
)
QUERY_AGE_BANDS = (
    (0, 7, gettext_lazy("up to 7 days")),
    (8, 30, gettext_lazy("8–30 days")),
    (31, None, gettext_lazy("over 30 days")),
)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fields(value: Any) -> Any:
    """Return a dataclass as dataclasses.asdict does, as far as JSON goes (a dict of its
    fields, within lists, tuples and dicts), without asdict's deep copy of every value: the
    closed part's SAE listing (~2,900 events at 10,000 patients) took ~250 ms to copy."""
    if isinstance(value, str | int | float | None):  # the most frequent: kept as they are
        return value
    if isinstance(value, list | tuple):
        return [_fields(item) for item in value]
    if isinstance(value, dict):
        return {key: _fields(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _fields(getattr(value, name)) for name in _field_names(type(value))}
    return value


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def report_json(content: dict[str, Any]) -> dict[str, Any]:
    """Return the report as plain JSON values (the safety tables' dataclasses as objects)."""
    return json.loads(json.dumps(content, default=_plain, allow_nan=False))


def report_fingerprint(content: dict[str, Any]) -> str:
    """SHA-256 of the report's JSON with sorted keys: what the generation record keeps."""
    payload = json.dumps(report_json(content), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def dmc_report_allowed(user: User, part: str) -> None:
    """Refuse (403) a part this account may not read: the closed part (alone or in the full
    report) to every blinded role."""
    if part in (DmcReportPart.CLOSED, DmcReportPart.FULL) and not user_can_see_arms(user):
        raise PermissionDenied(CLOSED_REFUSAL)
    if not user_can_view_dmc_open_report(user) and not user_can_see_arms(user):
        raise PermissionDenied(OPEN_REFUSAL)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _randomized_by(cutoff: dt.date) -> QuerySet[Randomization]:
    """The randomizations dated (in the trial's time zone) on or before the cut-off."""
    return Randomization.objects.filter(randomized_at__date__lte=cutoff).order_by()


def accrual_at(cutoff: dt.date) -> dict[str, Any]:
    """Randomizations by month (cumulative, against the plan) and by site, by the cut-off."""
    per_day_and_site = (
        _randomized_by(cutoff)
        .annotate(day=TruncDate("randomized_at"))
        .values_list("day", "patient__site")
        .annotate(n=Count("pk"))
    )
    per_month: Counter = Counter()
    per_site: Counter = Counter()
    first = None
    for day, site, n in per_day_and_site:
        per_month[day.replace(day=1)] += n
        per_site[site] += n
        first = day if first is None else min(first, day)
    target, period = settings.TRIAL_TARGET_ENROLMENT, settings.TRIAL_ACCRUAL_MONTHS
    by_month: list[dict[str, Any]] = []
    if first is not None:
        cumulative = 0
        for i, month in enumerate(_months(first, cutoff)):
            cumulative += per_month[month]
            month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            planned = min(target, target * (i + 1) / period)
            by_month.append(
                {
                    "month": month.isoformat(),
                    "randomized": per_month[month],
                    "cumulative": cumulative,
                    "planned_cumulative": round(planned, 1),
                    "complete_month": month_end <= cutoff,
                }
            )
    sites = [
        {"site": str(site), "randomized": per_site[site.pk]}
        for site in Site.objects.order_by("number")
    ]
    elapsed = len(by_month)
    return {
        "target": target,
        "accrual_months": period,
        "first_randomization_on": first.isoformat() if first else None,
        "randomized": sum(per_site.values()),
        "planned_by_cutoff": round(min(target, target * elapsed / period), 1),
        "by_month": by_month,
        "by_site": sites,
    }


def consort_at(cutoff: dt.date) -> dict[str, Any]:
    """The CONSORT counts, pooled (the open part never splits by arm)."""
    flow = consort_flow(cutoff)
    return {
        "counts": {key: row["all"] for key, row in flow.counts(by_arm=False).items()},
        "fingerprint": flow.fingerprint(by_arm=False),
    }


def completeness_at(cutoff: dt.date) -> list[dict[str, Any]]:
    """Per site: randomized, treated, ended treatment, and the follow-up visits whose window
    closed before the cut-off: done (by then), missed, overdue."""
    patient = OuterRef("patient_id")
    patients = {
        site_id: counts
        for site_id, *counts in _randomized_by(cutoff)
        .values_list("patient__site")
        .annotate(
            randomized=Count("pk"),
            treated=Count(
                "pk",
                filter=Exists(
                    TreatmentCycle.objects.filter(patient=patient, started_on__lte=cutoff)
                ),
            ),
            ended=Count(
                "pk",
                filter=Exists(EndOfTreatment.objects.filter(patient=patient, ended_on__lte=cutoff)),
            ),
        )
    }
    done = Q(performed_on__lte=cutoff)
    visits = {
        site_id: counts
        for site_id, *counts in FollowUpVisit.objects.filter(
            patient__in=_randomized_by(cutoff).values("patient_id"),
            window_closes_on__lt=cutoff,
        )
        .order_by()
        .values_list("patient__site")
        .annotate(
            expected=Count("pk"),
            done=Count("pk", filter=done),
            missed=Count("pk", filter=~done & ~Q(missed_reason="")),
        )
    }
    rows = []
    for site in Site.objects.order_by("number"):
        randomized, treated, ended = patients.get(site.pk, (0, 0, 0))
        expected, visits_done, missed = visits.get(site.pk, (0, 0, 0))
        rows.append(
            {
                "site": str(site),
                "randomized": randomized,
                "treated": treated,
                "ended_treatment": ended,
                "visits_expected": expected,
                "visits_done": visits_done,
                "visits_missed": missed,
                "visits_overdue": expected - visits_done - missed,
                "completeness": (round(100 * visits_done / expected) if expected else None),
            }
        )
    return rows


def _band_of(
    day: str, cutoff: dt.date, bands: tuple[tuple[int, int | None, StrOrPromise], ...]
) -> Case:
    """The position in `bands` of the days from `day` (a date field) to the cut-off."""
    return Case(
        *(
            When(**{f"{day}__gte": cutoff - dt.timedelta(days=high)}, then=Value(i))
            for i, (_low, high, _label) in enumerate(bands)
            if high is not None
        ),
        default=Value(len(bands) - 1),
    )


def overdue_visits_at(cutoff: dt.date) -> dict[str, Any]:
    """Follow-up visits overdue at the cut-off (window closed, neither done by then nor
    missed), by site and by how long overdue; counts only."""
    by_site: dict[str, list[int]] = defaultdict(lambda: [0] * len(OVERDUE_BANDS))
    for site, band, n in (
        FollowUpVisit.objects.filter(window_closes_on__lt=cutoff, missed_reason="")
        .exclude(performed_on__lte=cutoff)
        .order_by()
        .values_list("patient__site__number", _band_of("window_closes_on", cutoff, OVERDUE_BANDS))
        .annotate(n=Count("pk"))
    ):
        by_site[f"{site:02d}"][band] += n
    bands = [label for _, _, label in OVERDUE_BANDS]
    rows = [
        {"site": site, "bands": counts, "total": sum(counts)}
        for site, counts in sorted(by_site.items())
    ]
    return {"bands": bands, "rows": rows, "total": sum(r["total"] for r in rows)}


def queries_at(cutoff: dt.date) -> dict[str, Any]:
    """Queries raised by the cut-off: by status today, and the age at the cut-off of those
    not closed, by site."""
    statuses = [s for s, _ in DataQuery.Status.choices]
    bands = [label for _, _, label in QUERY_AGE_BANDS]
    by_status: dict[str, Counter] = defaultdict(Counter)
    by_age: dict[str, list[int]] = defaultdict(lambda: [0] * len(QUERY_AGE_BANDS))
    for site, status, band, n in (
        DataQuery.objects.annotate(raised_on=TruncDate("raised_at"))
        .filter(raised_on__lte=cutoff)
        .order_by()
        .values_list(
            "patient__site__number", "status", _band_of("raised_on", cutoff, QUERY_AGE_BANDS)
        )
        .annotate(n=Count("pk"))
    ):
        key = f"{site:02d}"
        by_status[key][status] += n
        by_age[key]  # a site whose queries are all closed still has its row
        if status != DataQuery.Status.CLOSED:
            by_age[key][band] += n
    rows = [
        {
            "site": site,
            "by_status": [counts[s] for s in statuses],
            "age_of_unresolved": by_age[site],
        }
        for site, counts in sorted(by_status.items())
    ]
    return {
        "statuses": [label for _, label in DataQuery.Status.choices],
        "age_bands": bands,
        "rows": rows,
        "totals": [sum(r["by_status"][i] for r in rows) for i in range(len(statuses))],
    }


def open_part(cutoff: dt.date) -> dict[str, Any]:
    """The open part, counted from the records (dmc_report keeps it for the data's state)."""
    return {
        "accrual": accrual_at(cutoff),
        "consort": consort_at(cutoff),
        "baseline_by_stratum": baseline_table(cutoff, columns_by_stratum()),
        "baseline_by_site": baseline_table(cutoff, columns_by_site(cutoff)),
        "completeness": completeness_at(cutoff),
        "overdue_visits": overdue_visits_at(cutoff),
        "queries": queries_at(cutoff),
    }


def dmc_report(*, user: User, cutoff: dt.date, part: str) -> dict[str, Any]:
    """Return one part of the DMC report at the cut-off, refusing a part the account may
    not read (PermissionDenied) before reading any figure."""
    dmc_report_allowed(user, part)
    content: dict[str, Any] = {
        "study": protocol.STUDY_ID,
        "title": _("Data monitoring committee report — %(study)s") % {"study": protocol.STUDY_NAME},
        "cutoff": cutoff.isoformat(),
        "part": part,
    }
    if part in (DmcReportPart.OPEN, DmcReportPart.FULL):
        # Pooled, the same for every reader: counted once per state of the data.
        content["open"] = kept_for_data_state("dmc-open-part", cutoff, lambda: open_part(cutoff))
    if part in (DmcReportPart.CLOSED, DmcReportPart.FULL):
        content["closed"] = dmc_closed.closed_part(cutoff, user=user)
    return content
