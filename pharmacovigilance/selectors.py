"""Reads of the sponsor's safety desk: the RSI in force, the proposed expectedness, every SAE
of every site with its two clocks (the site's 24 hours, the SUSAR's 7 or 15 days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Site, User
from accounts.permissions import user_can_view_sponsor_safety
from pharmacovigilance.classification import Expectedness
from pharmacovigilance.deadlines import (
    CLOCK_STATE_LABELS,
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
from protocol.safety import SUSPECT_DRUGS, SaeCausality
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


def _cases(reports: QuerySet[SaeReport], now: dt.datetime) -> list[SafetyCase]:
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


def _priority(case: SafetyCase) -> tuple:
    """Overdue SUSARs first, then SUSARs due soon, overdue site reports, SAEs to assess; the
    earliest deadline first within each."""
    if case.susar is not None and case.susar.overdue:
        rank = 0
    elif case.susar is not None and case.susar.open_deadline is not None:
        rank = 1
    elif case.site_overdue:
        rank = 2
    elif case.status in (AssessmentStatus.TO_ASSESS, AssessmentStatus.TO_REASSESS):
        rank = 3
    elif case.status is AssessmentStatus.AWAITING_REPORT:
        rank = 4
    else:
        rank = 5
    open_deadline = case.susar.open_deadline if case.susar is not None else None
    due = open_deadline.due_at if open_deadline is not None else case.site_clock.due_at
    return (rank, due if rank < 5 else -case.report.site_aware_at.timestamp(), case.report.pk)


def sponsor_safety_cases(
    user: User,
    *,
    site: Site | None = None,
    status: str = "",
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> list[SafetyCase]:
    """Return every SAE of every site the account may follow, the urgent first: overdue
    SUSARs at the top. Filters: one site, one assessment status ('susar' for the SUSARs), the
    overdue ones only (SUSAR or site clock)."""
    now = now or timezone.now()
    reports = _sponsor_reports(user)
    if site is not None:
        reports = reports.filter(patient__site=site)
    cases = _cases(reports, now)
    if status == "susar":
        cases = [c for c in cases if c.susar is not None]
    elif status:
        cases = [c for c in cases if c.status == status]
    if overdue:
        cases = [c for c in cases if c.overdue]
    return sorted(cases, key=_priority)


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
