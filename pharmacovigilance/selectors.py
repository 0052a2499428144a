"""Reads of the sponsor's safety desk: the RSI in force, the proposed expectedness, every SAE
of every site with its two clocks (the site's 24 hours, the SUSAR's 7 or 15 days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import overload

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Site, User
from accounts.permissions import user_can_view_sponsor_safety
from pharmacovigilance.classification import Expectedness
from pharmacovigilance.deadlines import (
    CLOCK_STATE_LABELS,
    FATAL_OR_LIFE_THREATENING_DAYS,
    FOLLOW_UP_EXTRA_DAYS,
    OTHER_SUSAR_DAYS,
    ClockState,
    Deadline,
    DeadlineKind,
    clock_state,
    susar_deadlines,
    trial_zone,
)
from pharmacovigilance.models import (
    ExpectedReaction,
    ReferenceSafetyInformation,
    SponsorAssessment,
    Susar,
)
from protocol.safety import SAE_INITIAL_REPORT_WITHIN, SUSPECT_DRUGS, SaeCausality
from safety.clock import SaeClock
from safety.models import SaeReport, SaeReportVersion
from safety.selectors import report_clock, sae_reports_visible_to
from visits.ctcae import CTCAE_TERMS, OTHER_SPECIFY
from visits.models import AdverseEvent

_SOC_OF_TERM: dict[str, str] = {t.name: t.system_organ_class for t in CTCAE_TERMS}
# Each suspect drug's causality field on an SAE report version.
CAUSALITY_FIELDS: dict[str, str] = {drug.value: f"{drug.value}_causality" for drug in SUSPECT_DRUGS}


# --- Reference safety information ---------------------------------------------------------


def rsi_in_force(drug: str, *, on: dt.date) -> ReferenceSafetyInformation | None:
    """Return the drug's RSI version in force on the day: the latest effective on or before it.

    The day is the date of the sponsor's assessment (ICH E2A, CT-3: expectedness is judged
    against the RSI in force when the sponsor assesses the event), not the event's onset.
    """
    return (
        ReferenceSafetyInformation.objects.filter(drug=drug, effective_from__lte=on)
        .prefetch_related("expected_reactions")
        .order_by("-effective_from")
        .first()
    )


def event_term(event: AdverseEvent) -> tuple[str, str]:
    """Return the event's term and its system organ class ('' for an 'Other, specify' term,
    whose class the table does not know)."""
    if event.term == OTHER_SPECIFY:
        return event.term_specified, ""
    return event.term, _SOC_OF_TERM.get(event.term, "")


def reaction_listed(
    reactions: Iterable[ExpectedReaction], *, term: str, system_organ_class: str
) -> ExpectedReaction | None:
    """Return the RSI entry listing the reaction (its term, or its whole class), if any."""
    wanted = term.strip().casefold()
    for reaction in reactions:
        if reaction.term and reaction.term.casefold() == wanted:
            return reaction
        if system_organ_class and reaction.system_organ_class == system_organ_class:
            return reaction
    return None


def expectedness_proposed(rsi: ReferenceSafetyInformation, event: AdverseEvent) -> Expectedness:
    """Return the expectedness the RSI proposes: expected when it lists the event's term or
    its system organ class, unexpected otherwise (pharmacovigilance confirms or overrides)."""
    term, soc = event_term(event)
    listed = reaction_listed(rsi.expected_reactions.all(), term=term, system_organ_class=soc)
    return Expectedness.EXPECTED if listed is not None else Expectedness.UNEXPECTED


# --- The report the sponsor assesses -------------------------------------------------------


def latest_submitted_version(report: SaeReport) -> SaeReportVersion | None:
    """Return the last version the site submitted: what the sponsor has to assess."""
    return (
        report.versions.filter(status=SaeReportVersion.Status.SUBMITTED).order_by("-number").first()
    )


def suspect_drugs_of(version: SaeReportVersion) -> dict[str, str]:
    """Return the investigator's causality for each suspect drug the patient received (every
    drug whose causality is not 'not given'), in the protocol's order."""
    causalities = {drug: getattr(version, field) for drug, field in CAUSALITY_FIELDS.items()}
    return {
        drug: causality
        for drug, causality in causalities.items()
        if causality and causality != SaeCausality.NOT_GIVEN
    }


def fatal_or_life_threatening(version: SaeReportVersion) -> bool:
    return version.results_in_death or version.life_threatening


# --- The sponsor safety page ---------------------------------------------------------------


class AssessmentStatus(StrEnum):
    AWAITING_REPORT = "awaiting_report"
    TO_ASSESS = "to_assess"
    TO_REASSESS = "to_reassess"
    ASSESSED = "assessed"


ASSESSMENT_STATUS_LABELS = {
    AssessmentStatus.AWAITING_REPORT: _("Awaiting the site's initial report"),
    AssessmentStatus.TO_ASSESS: _("To assess"),
    AssessmentStatus.TO_REASSESS: _("Follow-up received: to re-assess"),
    AssessmentStatus.ASSESSED: _("Assessed"),
}


@dataclass(frozen=True)
class SusarClock:
    """A SUSAR's deadlines and where each stands."""

    susar: Susar
    deadlines: tuple[Deadline, ...]
    states: tuple[ClockState, ...]

    @property
    def overdue(self) -> bool:
        return ClockState.OVERDUE in self.states

    @property
    def due_soon(self) -> bool:
        return ClockState.DUE_SOON in self.states

    @property
    def open_deadline(self) -> Deadline | None:
        """The first deadline whose report is not yet recorded."""
        for deadline, state in zip(self.deadlines, self.states, strict=True):
            if state in (ClockState.RUNNING, ClockState.DUE_SOON, ClockState.OVERDUE):
                return deadline
        return None

    @property
    def rows(self) -> list[tuple[Deadline, ClockState, str]]:
        """Each deadline, its state and the state as people say it."""
        return [
            (deadline, state, str(CLOCK_STATE_LABELS[state]))
            for deadline, state in zip(self.deadlines, self.states, strict=True)
        ]


def susar_clock(susar: Susar, *, now: dt.datetime | None = None) -> SusarClock:
    """Return the SUSAR's deadlines from the sponsor's first knowledge, and how each stands."""
    now = now or timezone.now()
    deadlines = susar_deadlines(
        sponsor_received_at=susar.sponsor_received_at,
        fatal_or_life_threatening=susar.fatal_or_life_threatening,
        zone=trial_zone(),
    )
    reported = {
        DeadlineKind.INITIAL: susar.reported_at,
        DeadlineKind.FOLLOW_UP: susar.follow_up_reported_at,
    }
    states = tuple(clock_state(d, reported_at=reported[d.kind], now=now) for d in deadlines)
    return SusarClock(susar=susar, deadlines=deadlines, states=states)


@dataclass(frozen=True)
class SafetyCase:
    """One SAE on the sponsor safety page."""

    report: SaeReport
    site_clock: SaeClock
    status: AssessmentStatus
    assessment: SponsorAssessment | None
    susar: SusarClock | None

    @property
    def status_label(self) -> str:
        return str(ASSESSMENT_STATUS_LABELS[self.status])

    @property
    def susar_overdue(self) -> bool:
        return self.susar is not None and self.susar.overdue

    @property
    def site_overdue(self) -> bool:
        return self.site_clock.is_overdue

    @property
    def overdue(self) -> bool:
        return self.susar_overdue or self.site_overdue


def _active_susar(assessment: SponsorAssessment | None) -> Susar | None:
    susar = getattr(assessment, "susar", None) if assessment is not None else None
    return susar if susar is not None and susar.withdrawn_at is None else None


def _cases(reports: Iterable[SaeReport], now: dt.datetime) -> list[SafetyCase]:
    cases = []
    for report in reports:
        assessment = getattr(report, "sponsor_assessment", None)
        # Annotated by _sponsor_reports: the number of the last version the site submitted.
        last: int | None = getattr(report, "last_submitted_number", None)
        if last is None:
            status = AssessmentStatus.AWAITING_REPORT
        elif assessment is None:
            status = AssessmentStatus.TO_ASSESS
        elif assessment.assessed_version < last:
            status = AssessmentStatus.TO_REASSESS
        else:
            status = AssessmentStatus.ASSESSED
        susar = _active_susar(assessment)
        cases.append(
            SafetyCase(
                report=report,
                site_clock=report_clock(report, now=now),
                status=status,
                assessment=assessment,
                susar=susar_clock(susar, now=now) if susar is not None else None,
            )
        )
    return cases


def _sponsor_reports(user: User) -> QuerySet[SaeReport]:
    if not user_can_view_sponsor_safety(user):
        return SaeReport.objects.none()
    return (
        sae_reports_visible_to(user)
        .select_related("sponsor_assessment__susar", "patient__randomization")
        .annotate(
            last_submitted_number=Max(
                "versions__number", filter=Q(versions__status=SaeReportVersion.Status.SUBMITTED)
            )
        )
    )


# --- The page's order, in the database --------------------------------------------------------
#
# The page lists a few thousand SAEs at 10,000 patients, 50 at a time: the order and the
# filters are SQL over every report, so a page reads and builds only its own 50 cases. Each
# expression below is the database's copy of a rule written in Python above (the status of
# `_cases`, `SusarClock.overdue` and `.open_deadline`, `SaeClock.is_overdue`), held together
# by tests/pharmacovigilance/test_sponsor_safety_order.py at every moment of the clocks.


def _end_of_day_after(moment: str, *, days: int, zone: str) -> Func:
    """`deadlines.end_of_day(day_zero(moment) + days)` in SQL: the instant the calendar day
    `days` after the moment's own day, in the zone, ends (the next midnight there)."""
    local_day = Cast(Func(Value(zone), F(moment), function="timezone"), DateField())
    next_midnight = Func(
        local_day,
        Cast(Value(days + 1), IntegerField()),
        arg_joiner=" + ",
        template="((%(expressions)s)::timestamp)",
    )
    return Func(Value(zone), next_midnight, function="timezone", output_field=DateTimeField())


_SUSAR = "sponsor_assessment__susar"
_ACTIVE_SUSAR = Q(**{f"{_SUSAR}__isnull": False, f"{_SUSAR}__withdrawn_at__isnull": True})
_FATAL = Q(**{f"{_SUSAR}__fatal_or_life_threatening": True})
_INITIAL_OWED = _ACTIVE_SUSAR & Q(**{f"{_SUSAR}__reported_at__isnull": True})
_FOLLOW_UP_OWED = _ACTIVE_SUSAR & _FATAL & Q(**{f"{_SUSAR}__follow_up_reported_at__isnull": True})


def _ordered(reports: QuerySet[SaeReport], now: dt.datetime) -> QuerySet[SaeReport]:
    """Annotate each report with its assessment status, whether a clock of it is overdue, and
    its rank on the page; order them: overdue SUSARs first, then SUSARs with
    a report owed, overdue site reports, SAEs to assess, SAEs awaiting the site's initial
    report, each by its earliest deadline; then the rest, the latest awareness first."""
    zone = trial_zone().key
    received = f"{_SUSAR}__sponsor_received_at"
    initial_due = Case(
        When(
            _FATAL, then=_end_of_day_after(received, days=FATAL_OR_LIFE_THREATENING_DAYS, zone=zone)
        ),
        default=_end_of_day_after(received, days=OTHER_SUSAR_DAYS, zone=zone),
        output_field=DateTimeField(),
    )
    follow_up_due = _end_of_day_after(
        received, days=FATAL_OR_LIFE_THREATENING_DAYS + FOLLOW_UP_EXTRA_DAYS, zone=zone
    )
    at = Value(now, output_field=DateTimeField())
    site_due = ExpressionWrapper(
        F("site_aware_at") + Value(SAE_INITIAL_REPORT_WITHIN), output_field=DateTimeField()
    )
    reports = reports.annotate(
        # The initial report (number 0, unique) joined: each CASE below reads when it was
        # submitted as a column, where the subquery of `sae_reports_visible_to` would run
        # again at each mention (and the planner, counting them, would compile the query).
        _initial_version=FilteredRelation("versions", condition=Q(versions__number=0)),
        _initial_due=initial_due,
        _follow_up_due=follow_up_due,
        _site_due=site_due,
        _status=Case(
            When(last_submitted_number__isnull=True, then=Value(AssessmentStatus.AWAITING_REPORT)),
            When(sponsor_assessment__isnull=True, then=Value(AssessmentStatus.TO_ASSESS)),
            When(
                sponsor_assessment__assessed_version__lt=F("last_submitted_number"),
                then=Value(AssessmentStatus.TO_REASSESS),
            ),
            default=Value(AssessmentStatus.ASSESSED),
            output_field=CharField(),
        ),
    ).annotate(
        # A report to the regulators past its deadline (the clock's state OVERDUE: now at or
        # after the end of the deadline's day, no report recorded).
        _susar_overdue=ExpressionWrapper(
            (_INITIAL_OWED & Q(_initial_due__lte=at))
            | (_FOLLOW_UP_OWED & Q(_follow_up_due__lte=at)),
            output_field=BooleanField(),
        ),
        # The site's initial report not submitted 24 hours after its awareness.
        _site_overdue=ExpressionWrapper(
            Q(_initial_version__submitted_at__isnull=True, _site_due__lt=at),
            output_field=BooleanField(),
        ),
        # The SUSAR's first report still owed: its deadline.
        _open_due=Case(
            When(_INITIAL_OWED, then=F("_initial_due")),
            When(_FOLLOW_UP_OWED, then=F("_follow_up_due")),
            output_field=DateTimeField(),
        ),
    )
    rank = Case(
        When(_susar_overdue=True, then=0),
        When(_open_due__isnull=False, then=1),
        When(_site_overdue=True, then=2),
        When(_status__in=(AssessmentStatus.TO_ASSESS, AssessmentStatus.TO_REASSESS), then=3),
        When(_status=AssessmentStatus.AWAITING_REPORT, then=4),
        default=5,
        output_field=IntegerField(),
    )
    return reports.annotate(_rank=rank).order_by(
        "_rank",
        # The earliest deadline first: the SUSAR report owed, else the site's 24 hours.
        Case(
            When(_rank__lt=5, then=Coalesce("_open_due", "_site_due")),
            output_field=DateTimeField(),
        ).asc(),
        # The rest (assessed, nothing owed): the latest awareness first.
        Case(When(_rank=5, then=F("site_aware_at")), output_field=DateTimeField()).desc(),
        "pk",
    )


class SafetyCases:
    """The sponsor safety page's cases in their order, read a slice at a time: what Django's
    Paginator asks for (`count()` and a slice) costs a COUNT, the slice's ids in the order
    (a deep page skips ids, not whole rows with their subqueries), and the slice's reports."""

    # What Paginator checks before paging (it would warn of an unordered list).
    ordered = True

    def __init__(
        self, reports: QuerySet[SaeReport], in_order: QuerySet[SaeReport], now: dt.datetime
    ) -> None:
        self.reports, self.in_order, self.now = reports, in_order, now

    def count(self) -> int:
        return self.in_order.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> SafetyCase: ...
    @overload
    def __getitem__(self, index: slice) -> list[SafetyCase]: ...
    def __getitem__(self, index: int | slice) -> SafetyCase | list[SafetyCase]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = list(self.in_order.values_list("pk", flat=True)[index])
        by_id = {r.pk: r for r in self.reports.filter(pk__in=ids)}
        return _cases([by_id[pk] for pk in ids], self.now)

    def __iter__(self) -> Iterator[SafetyCase]:
        return iter(self[:])


def sponsor_safety_cases(
    user: User,
    *,
    site: Site | None = None,
    status: str = "",
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> SafetyCases:
    """Return every SAE of every site the account may follow, the urgent first: overdue
    SUSARs at the top. Filters: one site, one assessment status ('susar' for the SUSARs), the
    overdue ones only (SUSAR or site clock). Read a page at a time (a slice)."""
    now = now or timezone.now()
    reports = _sponsor_reports(user)
    if site is not None:
        reports = reports.filter(patient__site=site)
    ordered = _ordered(reports, now)
    if status == "susar":
        ordered = ordered.filter(_ACTIVE_SUSAR)
    elif status:
        ordered = ordered.filter(Q(_status=status))
    if overdue:
        ordered = ordered.filter(Q(_susar_overdue=True) | Q(_site_overdue=True))
    return SafetyCases(reports, ordered, now)


def sponsor_case_get_for(user: User, pk: int, *, now: dt.datetime | None = None) -> SafetyCase:
    """Return one SAE as the sponsor safety page shows it; 404 for an account that may not
    follow SAEs across the trial."""
    cases = _cases(_sponsor_reports(user).filter(pk=pk), now or timezone.now())
    if not cases:
        raise Http404("No such SAE report.")
    return cases[0]


def susars_visible_to(user: User) -> QuerySet[Susar]:
    """Return the SUSARs (withdrawn ones too) for an account that follows SAEs trial-wide."""
    if not user_can_view_sponsor_safety(user):
        return Susar.objects.none()
    return Susar.objects.select_related(
        "assessment__report__patient__site", "assessment__report__adverse_event"
    ).prefetch_related(Prefetch("assessment__drugs"))


def susar_get_for(user: User, pk: int) -> Susar:
    susar = susars_visible_to(user).filter(pk=pk).first()
    if susar is None:
        raise Http404("No such SUSAR.")
    return susar


def overdue_susar_count(user: User, *, now: dt.datetime | None = None) -> int:
    """Return how many SUSARs are overdue (a report to the regulators past its deadline), for
    the header of an account that follows SAEs trial-wide; 0 for any other."""
    if not user_can_view_sponsor_safety(user):
        return 0
    now = now or timezone.now()
    # A report still owed: the initial one, or the day-15 follow-up of a fatal SUSAR.
    owed = Q(reported_at__isnull=True) | Q(
        fatal_or_life_threatening=True, follow_up_reported_at__isnull=True
    )
    open_susars = Susar.objects.filter(owed, withdrawn_at__isnull=True).only(
        "sponsor_received_at",
        "fatal_or_life_threatening",
        "reported_at",
        "follow_up_reported_at",
    )
    return sum(1 for susar in open_susars if susar_clock(susar, now=now).overdue)


def rsi_versions() -> QuerySet[ReferenceSafetyInformation]:
    """Return every RSI version with its expected reactions, by drug, the newest first."""
    return ReferenceSafetyInformation.objects.prefetch_related("expected_reactions").order_by(
        "drug", "-effective_from"
    )
