"""Reads for the screening log and the header's patient search.

The log is read a page at a time: the status, the sort and the filters are computed by the
database over the whole log, the next owed visit only for the page's rows, so a page costs
the same few queries with 10 patients as with 14,000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Site, User
from audit.selectors import HistoryEntry, history_of
from oversight.data_state_cache import kept_for_data_state
from patients.models import Patient, ScreeningOutcome
from patients.selectors import patients_visible_to, screening_log
from randomization.blinding import audit_fields_withheld_from
from review.selectors import query_counts
from safety.selectors import sae_reports_awaiting_submission_count
from visits.models import FollowUpVisit
from visits.selectors import open_deviations, status_of

LOG_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 50


class PatientStatus(TextChoices):
    """Where a patient stands in the trial, in the order a patient goes through it."""

    SCREEN_FAILURE = "screen_failure", _("Screen failure")
    ELIGIBLE = "eligible", _("Eligible, not randomized")
    ON_TREATMENT = "on_treatment", _("On treatment")
    FOLLOW_UP = "follow_up", _("In follow-up")
    OFF_STUDY = "off_study", _("Off study")


def _status_branches() -> list[tuple[Q, PatientStatus]]:
    """Each status with the records that put a patient in it, the latest stage first."""
    return [
        (Q(off_study__isnull=False), PatientStatus.OFF_STUDY),
        (Q(end_of_treatment__isnull=False), PatientStatus.FOLLOW_UP),
        (Q(randomization__isnull=False), PatientStatus.ON_TREATMENT),
        (Q(screening__outcome=ScreeningOutcome.ELIGIBLE), PatientStatus.ELIGIBLE),
    ]


def _status_expression() -> Case:
    """The patient's status, decided by the database from the records that end each stage."""
    return Case(
        *[When(condition, then=Value(status.value)) for condition, status in _status_branches()],
        default=Value(PatientStatus.SCREEN_FAILURE.value),
        output_field=CharField(),
    )


def _status_rank_expression() -> Case:
    """The status's place in the order a patient goes through the trial, to sort by."""
    rank = {status: number for number, status in enumerate(PatientStatus)}
    return Case(
        *[When(condition, then=Value(rank[status])) for condition, status in _status_branches()],
        default=Value(rank[PatientStatus.SCREEN_FAILURE]),
        output_field=IntegerField(),
    )


def _open_visits() -> QuerySet[FollowUpVisit]:
    """Follow-up visits still owed: neither done nor marked missed (as on the worklist)."""
    return FollowUpVisit.objects.filter(performed_on__isnull=True, missed_reason="")


# The log's sorts, by the key a column's link carries ("-" in front: descending). The study
# ID sorts by site then sequence, so 01-1000 follows 01-999.
LOG_SORTS: dict[str, tuple[str, ...]] = {
    "study_id": ("site__number", "sequence"),
    "screened": ("screening__screened_on", "site__number", "sequence"),
    "status": ("status_rank", "site__number", "sequence"),
    "next_due": ("next_due_on", "site__number", "sequence"),
}
LOG_SORT_DEFAULT = "-screened"


def log_sort_valid(sort: str) -> str:
    """Return the sort asked for if it is one of the log's, else the default (newest first)."""
    return sort if sort.removeprefix("-") in LOG_SORTS else LOG_SORT_DEFAULT


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    fields = LOG_SORTS[sort.removeprefix("-")]
    # Patients owing nothing sort after those owing a visit, whichever the direction.
    return [OrderBy(F(name), descending=descending, nulls_last=True) for name in fields]


@dataclass(frozen=True)
class LogFilters:
    """What the log is narrowed to; each filter is already checked against the viewer."""

    site: Site | None = None
    status: str = ""
    arm: str = ""  # only for a viewer who may see arms (randomization.blinding)


def screening_log_filtered(user: User, filters: LogFilters, sort: str) -> QuerySet[Patient]:
    """Return the visible log with each patient's status, filtered and sorted.

    The status and the date of the next owed visit are annotations, so the database sorts
    and filters the whole log and the page reads only its own rows.
    """
    sort = log_sort_valid(sort)
    patients = screening_log(user, filters.site).annotate(
        status=_status_expression(), status_rank=_status_rank_expression()
    )
    if sort.removeprefix("-") == "next_due":
        patients = patients.annotate(
            next_due_on=Subquery(
                _open_visits()
                .filter(patient=OuterRef("pk"))
                .order_by("target_on")
                .values("target_on")[:1]
            )
        )
    if filters.status:
        patients = patients.filter(status=filters.status)
    if filters.arm:
        patients = patients.filter(randomization__arm=filters.arm)
    return patients.order_by(*_ordering(sort))


@dataclass(frozen=True)
class NextDue:
    """What a patient owes next: a follow-up visit (with its status today) or randomization."""

    label: str
    due_on: dt.date | None = None
    status: str = ""  # the visit's status (due, overdue, upcoming); empty for randomization

    @property
    def status_label(self) -> str:
        """The status as the reader's language names it (the code stays in the CSS class)."""
        return str(NEXT_DUE_STATUS_LABELS.get(self.status, self.status))


# Translators: a follow-up visit's status, shown as a badge in the screening log.
NEXT_DUE_STATUS_LABELS = {
    "upcoming": pgettext_lazy("visit status", "Upcoming"),
    "due": pgettext_lazy("visit status", "Due"),
    "overdue": pgettext_lazy("visit status", "Overdue"),
}


@dataclass(frozen=True)
class LogRow:
    patient: Patient
    status: str
    next_due: NextDue | None

    @property
    def status_label(self) -> str:
        return str(PatientStatus(self.status).label)


def next_due_for(patients: list[Patient], today: dt.date | None = None) -> dict[int, NextDue]:
    """Return what each of these patients owes next, in one query whatever their number.

    A patient in follow-up owes their earliest visit neither done nor missed (the visits
    the worklist lists, with the same status today); an eligible patient not yet randomized
    owes the randomization; a screen failure owes nothing, nor does a patient off study
    unless a visit from before is still owed.
    """
    today = today or timezone.localdate()
    owed: dict[int, NextDue] = {}
    visits = (
        _open_visits()
        .filter(patient__in=[p.pk for p in patients])
        .order_by("patient_id", "target_on")
        .distinct("patient_id")
    )
    for visit in visits:
        owed[visit.patient_id] = NextDue(
            label=gettext("Visit %(label)s") % {"label": visit.label},
            due_on=visit.target_on,
            status=status_of(visit, today),
        )
    for patient in patients:
        if getattr(patient, "status", "") == PatientStatus.ELIGIBLE:
            owed[patient.pk] = NextDue(label=gettext("Randomization"))
    return owed


@dataclass(frozen=True)
class LogTotals:
    """The log's head counts: screened, found eligible, screen failures."""

    screened: int
    eligible: int
    failures: int


def screening_log_totals(user: User, site: Site | None = None) -> LogTotals:
    """Count the visible log (or one site's) by screening outcome, in one query."""
    return LogTotals(
        **screening_log(user, site).aggregate(
            screened=Count("pk"),
            eligible=Count("pk", filter=Q(screening__outcome=ScreeningOutcome.ELIGIBLE)),
            failures=Count("pk", filter=Q(screening__outcome=ScreeningOutcome.SCREEN_FAILURE)),
        )
    )


@dataclass(frozen=True)
class LandingCounts:
    """What the landing page counts over the whole visible trial, beside its lists."""

    totals: LogTotals
    saes_awaiting: int  # SAE reports with a version not yet submitted
    deviations: int  # open protocol deviations
    queries: dict[str, int]  # open and answered data queries


def landing_counts(user: User, site: Site | None = None) -> LandingCounts:
    """Return the landing page's counts for this account (and site), counted once per state
    of the data: each reads every visible patient, SAE report, deviation or query, so their
    cost grows with the trial (at 10,000 patients 15-35 ms of the database's time on each
    view of the page), while the records change far less often than the page is viewed.

    Kept per account, as each account's visibility is its own; every table they read is
    audited, site assignments and roles included, so any change to what they count moves
    the data's state and with it the key (oversight.data_state_cache).
    """

    def count() -> LandingCounts:
        return LandingCounts(
            totals=screening_log_totals(user, site),
            saes_awaiting=sae_reports_awaiting_submission_count(user, site),
            deviations=open_deviations(user, site).count(),
            queries=query_counts(user, site),
        )

    scope = f"landing-counts:{user.pk}:{site.pk if site is not None else 'visible'}"
    return kept_for_data_state(scope, None, count)


@dataclass(frozen=True)
class LogPage:
    page: Page
    rows: list[LogRow]


def screening_log_page(
    user: User,
    filters: LogFilters,
    sort: str,
    page_number: str | int | None,
    totals: LogTotals | None = None,
) -> LogPage:
    """Return one page of the filtered, sorted log, its rows with their status and next due.

    `totals`, the same viewer's and site's, already counts an unfiltered log: the page
    links take its count rather than counting the log's joined rows again.
    """
    patients = screening_log_filtered(user, filters, sort)
    # The page's ids first, in the log's order, then its patients: a deep page (OFFSET 9,950
    # at 10,000 patients) sorts and skips narrow rows, where with every column of the log it
    # spilled its sort to disk (the last page's query 52 -> 15 ms). Same order, same links.
    paginator = Paginator(patients.values_list("pk", flat=True), LOG_PAGE_SIZE)
    if totals is not None and not (filters.status or filters.arm):
        paginator.count = totals.screened  # Paginator.count is a cached property
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    # Each patient annotated with its status (screening_log_filtered).
    by_id: dict[int, Any] = {p.pk: p for p in patients.filter(pk__in=ids).order_by()}
    members = [by_id[pk] for pk in ids]
    page = Page(members, page.number, page.paginator)
    # The reason column shows each screen failure's failed criteria in the reader's
    # language (the stored reason is English): their answers are read in one query.
    prefetch_related_objects(
        [p.screening for p in members if p.screening.failure_reason], "answers"
    )
    owed = next_due_for(members)
    rows = [LogRow(p, p.status, owed.get(p.pk)) for p in members]
    return LogPage(page=page, rows=rows)


# --- The header's patient search --------------------------------------------------------

_STUDY_ID = re.compile(r"^(\d{1,4})\s*[-/ .]\s*(\d{1,5})$")


def study_id_normalized(text: str) -> str | None:
    """Return the study ID the text names, written as the trial writes it ("1-3" → "01-003"),
    or None when it is not one (a fragment is searched as typed)."""
    match = _STUDY_ID.match(text.strip())
    if match is None:
        return None
    site, sequence = match.groups()
    return f"{int(site):02d}-{int(sequence):03d}"


@dataclass(frozen=True)
class SearchResult:
    exact: Patient | None  # the visible patient the text names exactly: the page to jump to
    matches: QuerySet[Patient]  # every visible patient whose study ID contains the text


def patient_search(user: User, text: str) -> SearchResult:
    """Find patients by study ID among those the account may see, and only those.

    "01-003", "1-3" and "01/003" name patient 01-003; "003" or "01-0" match every visible
    study ID containing them. Another site's patient is never found, as on the patient page.
    """
    text = text.strip()
    visible = patients_visible_to(user)
    if not text:
        return SearchResult(exact=None, matches=visible.none())
    normalized = study_id_normalized(text)
    exact = visible.filter(study_id=normalized or text).first()
    matches = visible.filter(Q(study_id__icontains=text) | Q(study_id=normalized or text))
    return SearchResult(exact=exact, matches=matches.order_by("site__number", "sequence"))


# --- A patient's audit trail --------------------------------------------------------------


def patient_history_for(user: User, patient: Patient) -> list[HistoryEntry]:
    """Return the patient's audit trail as this account may read it, oldest first: what
    the patient's page and the API show (randomization.blinding withholds the allocation
    position from everyone but the unblinded roles)."""
    return history_of(patient, patient.screening, withheld=audit_fields_withheld_from(user))
