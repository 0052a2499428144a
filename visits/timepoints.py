"""When each response timepoint may be dated in a patient's course, and which one to propose.

The protocol evaluates response at one declared point per regimen (protocol.RegimenPlan:
the end-of-induction evaluation after IC cycle 1, the post-cycle-3 evaluation after AZA
cycle 3 is completed). That evaluation decides induction failure in EFS, so an assessment
may be recorded as the evaluation only where the protocol puts it:

- the evaluation of the patient's own regimen (no end-of-induction evaluation in AZA);
- one per patient;
- after the evaluated cycle is completed (`RegimenPlan.evaluation_opens_on`) and no later
  than the day the next cycle starts;
- not after an allo-HSCT (it assesses the salvage therapy).

A later-cycle assessment is on treatment after the evaluation (from its date or, when none
is recorded, from the start of the next cycle) and up to the end of protocol treatment; a
follow-up assessment is from the end of protocol treatment (end of treatment or allo-HSCT,
whichever first); an unscheduled one may be dated any time.

What is proposed (the page's initial value, the API's default) is the evaluation from the
day the plan proposes it (IC: day 21 of induction, so a day-14 aplasia marrow is proposed
as unscheduled), then the first of later cycle, follow-up and unscheduled that fits. Pure
functions over plain dates: the service checks with them under the patient's lock, the
selector proposes with them, the tests read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

import protocol
from protocol import ResponseTimepoint as T

# The messages below name a timepoint inside a sentence ("The %(timepoint)s follows ..."):
# French names it as a quoted noun ("L'évaluation « ... »"), so each name is a noun alone.
_REGIMEN_NAMES: dict[str, Promise] = {
    # Translators: the regimen a patient receives, inside a sentence (French: with its article).
    protocol.Regimen.INTENSIVE: pgettext_lazy("regimen received", "intensive chemotherapy"),
    protocol.Regimen.AZACITIDINE: pgettext_lazy("regimen received", "azacitidine"),
}
_NAMES: dict[T, Promise] = {
    T.END_OF_INDUCTION: gettext_lazy("end-of-induction evaluation"),
    T.POST_CYCLE_3: gettext_lazy("post-cycle-3 evaluation"),
    T.LATER_CYCLE: gettext_lazy("later-cycle assessment"),
    T.FOLLOW_UP: gettext_lazy("follow-up assessment"),
    T.UNSCHEDULED: gettext_lazy("unscheduled assessment"),
}


def name(timepoint: str) -> str:
    """The timepoint as a sentence says it: "post-cycle-3 evaluation"."""
    return str(_NAMES[T(timepoint)])


def _day(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


@dataclass(frozen=True)
class CycleDates:
    number: int
    started_on: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True)
class Point:
    """One response assessment's place: its date and timepoint (`key` tells it apart)."""

    key: Any
    assessed_on: dt.date
    timepoint: str


@dataclass(frozen=True)
class Course:
    """What decides when a timepoint may be dated: the regimen's plan, the cycles, the end
    of treatment and the allo-HSCT."""

    plan: protocol.RegimenPlan
    cycles: tuple[CycleDates, ...]
    treatment_ended_on: dt.date | None = None
    transplanted_on: dt.date | None = None

    def cycle(self, number: int) -> CycleDates | None:
        return next((c for c in self.cycles if c.number == number), None)

    @property
    def evaluated_cycle(self) -> CycleDates | None:
        """The cycle the protocol evaluation follows: IC cycle 1, AZA cycle 3."""
        return self.cycle(self.plan.response_after_cycle)

    @property
    def evaluation_opens_on(self) -> dt.date | None:
        """The first day the protocol evaluation may be dated; None while it cannot be."""
        cycle = self.evaluated_cycle
        if cycle is None:
            return None
        return self.plan.evaluation_opens_on(cycle.started_on, cycle.ended_on)

    @property
    def evaluation_proposed_from(self) -> dt.date | None:
        """The first day an assessment is proposed as the protocol evaluation: from its
        opening, and not before the plan's day of the evaluated cycle (IC: day 21, so a
        day-14 aplasia marrow is proposed as unscheduled)."""
        opens, cycle = self.evaluation_opens_on, self.evaluated_cycle
        day = self.plan.evaluation_proposed_from_day
        if opens is None or cycle is None or day is None:
            return opens
        return max(opens, cycle.started_on + dt.timedelta(days=day - 1))

    @property
    def evaluation_closes_on(self) -> dt.date | None:
        """The last day: the day the next cycle starts (None while it has not)."""
        following = self.cycle(self.plan.response_after_cycle + 1)
        return following.started_on if following else None

    @property
    def protocol_treatment_ends_on(self) -> dt.date | None:
        """The end of protocol treatment: end of treatment or allo-HSCT, whichever first."""
        days = [d for d in (self.treatment_ended_on, self.transplanted_on) if d is not None]
        return min(days, default=None)

    @property
    def ending(self) -> str:
        """What ended protocol treatment, as a sentence names it."""
        end = self.protocol_treatment_ends_on
        return _("allo-HSCT") if end == self.transplanted_on else _("end of treatment")


def course_of(
    *,
    regimen: str,
    cycles: Iterable[Any],
    end_of_treatment: Any = None,
    transplant: Any = None,
) -> Course:
    """Build a course from the patient's records (cycles, end of treatment, transplant)."""
    return Course(
        plan=protocol.REGIMEN_PLANS[regimen],
        cycles=tuple(CycleDates(c.number, c.started_on, c.ended_on) for c in cycles),
        treatment_ended_on=end_of_treatment.ended_on if end_of_treatment else None,
        transplanted_on=transplant.transplanted_on if transplant else None,
    )


def _evaluation_problems(
    course: Course, timepoint: T, on: dt.date, recorded_on: dt.date | None
) -> list[str]:
    plan = course.plan
    if timepoint is not plan.evaluation:
        return [
            _(
                "The %(timepoint)s is for %(its_regimen)s; this patient receives %(regimen)s, "
                "whose protocol evaluation is the %(evaluation)s."
            )
            % {
                "timepoint": name(timepoint),
                "its_regimen": _REGIMEN_NAMES[_regimen_of(timepoint)],
                "regimen": _REGIMEN_NAMES[plan.regimen],
                "evaluation": name(plan.evaluation),
            }
        ]
    if recorded_on is not None:
        return [
            _(
                "The %(timepoint)s of this patient is already recorded (assessed on "
                "%(assessed_on)s): a patient has one protocol evaluation. Record this "
                "assessment as later cycle, follow-up or unscheduled, or correct that one."
            )
            % {"timepoint": name(timepoint), "assessed_on": _day(recorded_on)}
        ]
    number = plan.response_after_cycle
    cycle = course.evaluated_cycle
    opens = course.evaluation_opens_on
    if cycle is None:
        return [
            _(
                "The %(timepoint)s follows cycle %(number)s once it is completed, and cycle "
                "%(number)s is not recorded yet: record it first, or record this assessment as "
                "unscheduled."
            )
            % {"timepoint": name(timepoint), "number": number}
        ]
    if opens is None:
        return [
            _(
                "The %(timepoint)s follows the end of cycle %(number)s (started on "
                "%(started_on)s, no end recorded): record the end of cycle %(number)s "
                "first, or record this assessment as unscheduled."
            )
            % {"timepoint": name(timepoint), "number": number, "started_on": _day(cycle.started_on)}
        ]
    problems = []
    if on < opens:
        if cycle.ended_on is not None:
            when = _("cycle %(number)s ended on %(ended_on)s") % {
                "number": number,
                "ended_on": _day(cycle.ended_on),
            }
        else:
            when = _(
                "cycle %(number)s started on %(started_on)s and is completed after its "
                "%(days)s days"
            ) % {
                "number": number,
                "started_on": _day(cycle.started_on),
                "days": plan.cycle_length_days,
            }
        problems.append(
            ngettext(
                "The %(timepoint)s follows %(number)s completed cycle: %(when)s, so it is dated "
                "from %(opens_on)s. An assessment before then (such as a day-14 marrow) is "
                "unscheduled.",
                "The %(timepoint)s follows %(number)s completed cycles: %(when)s, so it is "
                "dated from %(opens_on)s. An assessment before then (such as a day-14 marrow) "
                "is unscheduled.",
                number,
            )
            % {
                "timepoint": name(timepoint),
                "number": number,
                "when": when,
                "opens_on": _day(opens),
            }
        )
    closes = course.evaluation_closes_on
    if closes is not None and on > closes:
        problems.append(
            _(
                "Cycle %(number)s started on %(started_on)s: an assessment after it is a "
                "later-cycle assessment, not the %(timepoint)s."
            )
            % {"number": number + 1, "started_on": _day(closes), "timepoint": name(timepoint)}
        )
    if course.transplanted_on is not None and on > course.transplanted_on:
        problems.append(
            _(
                "The allo-HSCT was on %(transplanted_on)s: the %(timepoint)s assesses the "
                "salvage therapy, so it comes before the transplant."
            )
            % {"transplanted_on": _day(course.transplanted_on), "timepoint": name(timepoint)}
        )
    return problems


def _regimen_of(evaluation: T) -> str:
    return next(r for r, plan in protocol.REGIMEN_PLANS.items() if plan.evaluation is evaluation)


def timepoint_problems(
    course: Course, timepoint: str, on: dt.date, *, evaluation_on: dt.date | None
) -> list[str]:
    """Return why an assessment dated `on` cannot be this timepoint; empty when it can.

    `evaluation_on` is the date of the patient's protocol evaluation among their other
    assessments (None when none is recorded).
    """
    chosen = T(timepoint)
    if chosen in protocol.PROTOCOL_EVALUATIONS:
        return _evaluation_problems(course, chosen, on, evaluation_on)
    end = course.protocol_treatment_ends_on
    evaluation = name(course.plan.evaluation)
    if chosen is T.LATER_CYCLE:
        if end is not None and on > end:
            return [
                _(
                    "Protocol treatment ended on %(ended_on)s (%(ending)s): an assessment "
                    "after it is a follow-up assessment."
                )
                % {"ended_on": _day(end), "ending": course.ending}
            ]
        if evaluation_on is not None and on < evaluation_on:
            return [
                _(
                    "The %(evaluation)s is dated %(evaluation_on)s: an assessment before it "
                    "is unscheduled, not a later cycle."
                )
                % {"evaluation": evaluation, "evaluation_on": _day(evaluation_on)}
            ]
        following = course.plan.response_after_cycle + 1
        closes = course.evaluation_closes_on
        if evaluation_on is None and (closes is None or on < closes):
            if closes:
                return [
                    _(
                        "A later-cycle assessment comes after the %(evaluation)s, and none is "
                        "recorded: without it, a later cycle starts with cycle %(number)s "
                        "(started on %(started_on)s): record it as the evaluation or as "
                        "unscheduled."
                    )
                    % {"evaluation": evaluation, "number": following, "started_on": _day(closes)}
                ]
            return [
                _(
                    "A later-cycle assessment comes after the %(evaluation)s, and none is "
                    "recorded: without it, a later cycle starts with cycle %(number)s, not "
                    "recorded yet: record it as the evaluation or as unscheduled."
                )
                % {"evaluation": evaluation, "number": following}
            ]
    if chosen is T.FOLLOW_UP:
        if end is None:
            return [
                _(
                    "A follow-up assessment comes after the end of treatment or the allo-HSCT, "
                    "and neither is recorded yet."
                )
            ]
        if on < end:
            return [
                _(
                    "Protocol treatment ended on %(ended_on)s (%(ending)s): a follow-up "
                    "assessment is dated from then."
                )
                % {"ended_on": _day(end), "ending": course.ending}
            ]
    return []


def _evaluation_on(points: Iterable[Point]) -> dt.date | None:
    return next(
        (p.assessed_on for p in points if p.timepoint in protocol.PROTOCOL_EVALUATIONS), None
    )


def _fit(course: Course, point: Point, others: Sequence[Point]) -> list[str]:
    return timepoint_problems(
        course, point.timepoint, point.assessed_on, evaluation_on=_evaluation_on(others)
    )


def course_problems(course: Course, points: Sequence[Point], changed: Point) -> list[str]:
    """Return why `changed` (new, or a correction of the point with its key) does not fit
    the course with the patient's other assessments.

    The others are checked again too: a protocol evaluation added or moved may leave a
    later-cycle assessment before it, and the change is then refused, naming that one. (An
    assessment that did not fit before the change is not the change's fault.)
    """
    others = [p for p in points if changed.key is None or p.key != changed.key]
    problems = _fit(course, changed, others)
    if problems:
        return problems
    after = [*others, changed]
    for point in others:
        if _fit(course, point, [p for p in points if p is not point]):
            continue
        for problem in _fit(course, point, [p for p in after if p is not point]):
            problems.append(
                _("This change would leave the %(timepoint)s of %(assessed_on)s out of place.")
                % {"timepoint": name(point.timepoint), "assessed_on": _day(point.assessed_on)}
                + " "
                + problem
            )
    return problems


# The order a proposal tries the timepoints in: the evaluation when it is due, then where
# the date puts the assessment; unscheduled always fits.
_PROPOSAL_ORDER = (T.LATER_CYCLE, T.FOLLOW_UP, T.UNSCHEDULED)


def timepoint_expected(course: Course, points: Sequence[Point], on: dt.date) -> T:
    """Return the timepoint an assessment dated `on` is expected to be in this course: the
    protocol evaluation once it is proposed (`Course.evaluation_proposed_from`) if it fits,
    else the first of later cycle, follow-up and unscheduled that fits."""
    proposed_from = course.evaluation_proposed_from
    candidates = list(_PROPOSAL_ORDER)
    if proposed_from is not None and on >= proposed_from:
        candidates.insert(0, course.plan.evaluation)
    for timepoint in candidates:
        if not course_problems(course, points, Point(None, on, timepoint)):
            return timepoint
    return T.UNSCHEDULED
