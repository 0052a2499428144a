"""The safety tables' figures counted by PostgreSQL, arm by arm: the safety population and its
exposure, and for each row of each table the patients (each once) and the events. Every
query is grouped by arm and returns a few rows whatever the number of patients and events;
endpoints.safety_tables lays the figures out in the tables, whose docstring states the rules.

The rules that read one event (preferred term, class, relatedness, severity) are those of
endpoints.safety_rows, written here as SQL conditions. The one that SQL would not spell the
same is the preferred term of an "Other, specify" event (Python's strip() and casefold()):
the patients are counted per (term, specification) pair first (a handful of pairs), each
pair is given its preferred term and class by endpoints.safety_rows, and a term with
several pairs (free text written in two ways) is counted again over its pairs, so that a
patient with both counts once. Read in one snapshot (endpoints.safety_tables), the pairs
are all the events have.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least

import protocol
from accounts.models import Site
from endpoints.safety_interest import SPECIAL_INTEREST
from endpoints.safety_rows import (
    EXPOSURE_AFTER_TREATMENT,
    OTHER_SOC,
    RELATED,
    SEVERE_GRADE,
    preferred_term_of,
    system_organ_class_of,
)
from patients.models import Patient
from visits.ctcae import CTCAE_TERMS, OTHER_SPECIFY
from visits.models import AdverseEvent, EndOfTreatment, TreatmentCycle
from visits.treatment_emergence import treatment_emergent

ARM = "patient__randomization__arm"
# A (term, term specified) pair as recorded.
Variant = tuple[str, str]
_AFTER = EXPOSURE_AFTER_TREATMENT.days


class _DaysFrom(Func):
    """The number of days from the second date to the first (PostgreSQL's date - date)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


class _DaysAfter(Func):
    """A date some days after another (PostgreSQL's date + integer: a date, not a time)."""

    template = "(%(expressions)s + %(days)s)"
    output_field = DateField()

    def __init__(self, date: F, days: int) -> None:
        super().__init__(date, days=int(days))


@dataclass(frozen=True)
class ArmPopulation:
    """The safety population of one arm at the cut-off."""

    n: int = 0
    exposure_days: int = 0
    ended_for_toxicity: int = 0
    given_dexamethasone: tuple[str, ...] = ()  # study ids, in study-ID order


def population_by_arm(*, sites: QuerySet[Site], cutoff: dt.date) -> dict[str, ArmPopulation]:
    """Return, per arm, the randomized patients of these sites with a cycle started on or
    before the cut-off, their days of exposure (from the first cycle to 30 days after the
    end of treatment, or to the cut-off, the death or leaving the study if earlier, both
    days counted), those whose treatment ended for toxicity by the cut-off, and those given
    dexamethasone in a cycle started by then."""
    cycles = TreatmentCycle.objects.filter(patient=OuterRef("pk"), started_on__lte=cutoff)
    ended_on = "end_of_treatment__ended_on"
    left_on = "off_study__event_on"
    # LEAST ignores NULLs in PostgreSQL: an end not known at the cut-off does not count.
    exposure_ends_on = Greatest(
        Least(
            Value(cutoff),
            Case(When(**{f"{ended_on}__lte": cutoff}, then=_DaysAfter(F(ended_on), _AFTER))),
            Case(When(**{f"{left_on}__lte": cutoff}, then=F(left_on))),
        ),
        F("first_dose_on"),
    )
    toxicity = Q(
        end_of_treatment__reason=protocol.EndOfTreatmentReason.TOXICITY,
        **{f"{ended_on}__lte": cutoff},
    )
    rows = (
        Patient.objects.filter(randomization__isnull=False, site__in=sites)
        .annotate(
            first_dose_on=Subquery(cycles.order_by("started_on").values("started_on")[:1]),
            dexamethasone_received=Exists(cycles.filter(dexamethasone_given=True)),
        )
        .filter(first_dose_on__isnull=False)
        .order_by()
        .values("randomization__arm")
        .annotate(
            n=Count("pk"),
            exposure_days=Sum(_DaysFrom(exposure_ends_on, F("first_dose_on")) + 1),
            ended_for_toxicity=Count("pk", filter=toxicity),
            given_dexamethasone=ArrayAgg(
                "study_id",
                filter=Q(dexamethasone_received=True),
                order_by=("site__number", "sequence"),
            ),
        )
    )
    return {
        row["randomization__arm"]: ArmPopulation(
            n=row["n"],
            exposure_days=row["exposure_days"],
            ended_for_toxicity=row["ended_for_toxicity"],
            given_dexamethasone=tuple(row["given_dexamethasone"] or ()),
        )
        for row in rows
    }


def treatment_emergent_events(*, sites: QuerySet[Site], cutoff: dt.date) -> QuerySet[AdverseEvent]:
    """Return the treatment-emergent adverse events of the randomized patients of these
    sites with onset on or before the cut-off (such a patient had a dose by then: each is
    of the safety population)."""
    return (
        AdverseEvent.objects.filter(
            onset_on__lte=cutoff,
            patient__randomization__isnull=False,
            patient__site__in=sites,
        )
        .alias(teae=treatment_emergent())
        .filter(teae=True)
        .order_by()
    )


def incidence_by_variant(events: QuerySet[AdverseEvent]) -> dict[Variant, Incidence]:
    """Return the patients with an event, and with one of grade 3 or above, per arm, of each
    (term, specification) pair these events have; the specification only for "Other,
    specify" (any other term is its own preferred term)."""
    rows = (
        events.annotate(
            specified=Case(
                When(term=OTHER_SPECIFY, then=F("term_specified")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values("term", "specified", ARM)
        .annotate(patients=_patients(), severe=_patients(Q(grade__gte=SEVERE_GRADE)))
    )
    incidence: dict[Variant, Incidence] = {}
    for row in rows:
        found = incidence.setdefault((row["term"], row["specified"]), Incidence({}, {}))
        found.any_grade[row[ARM]] = row["patients"]
        found.grade_3_plus[row[ARM]] = row["severe"]
    return incidence


def matching(variants: Iterable[Variant]) -> Q | None:
    """Return the condition of an event recorded as one of these pairs; None for none (an
    empty condition would match every event)."""
    variants = list(variants)
    coded = sorted({term for term, _ in variants if term != OTHER_SPECIFY})
    specified = sorted({text for term, text in variants if term == OTHER_SPECIFY})
    if not coded and not specified:
        return None
    condition = Q(term__in=coded) if coded else Q()
    if specified:
        condition |= Q(term=OTHER_SPECIFY, term_specified__in=specified)
    return condition


def _patients(condition: Q | None = None) -> Count:
    return Count("patient", distinct=True, filter=condition)


def _events(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition)


def interest_conditions(variants: list[Variant]) -> dict[str, Q | None]:
    """Return, for each category of special interest, the condition of its events."""
    return {
        interest.code: matching(
            (term, text)
            for term, text in variants
            if interest.matches(system_organ_class_of(term), preferred_term_of(term, text))
        )
        for interest in SPECIAL_INTEREST
    }


def figures_by_arm(
    events: QuerySet[AdverseEvent], *, cutoff: dt.date, interests: dict[str, Q | None]
) -> dict[str, dict[str, int]]:
    """Return, per arm, the patients (each once) and the events of each row of the summary,
    worst-grade, special-interest and rate tables, and of each system organ class. Keys:
    `<row>_patients`, `<row>_events`; `grade_<g>_patients` has the patients with an event
    of grade g or above; `class_<i>_patients` those of CLASSES[i]."""
    severe = Q(grade__gte=SEVERE_GRADE)
    serious = Q(serious=True)
    related = Q(related_to_dexamethasone__in=RELATED)
    withdrawn = Q(action_taken=protocol.ActionTaken.WITHDRAWN)
    # The patients counted both for a drug withdrawn and an end of treatment for toxicity,
    # for the union of the two ("leading to discontinuation").
    ended_for_toxicity = Q(
        patient__in=EndOfTreatment.objects.filter(
            reason=protocol.EndOfTreatmentReason.TOXICITY, ended_on__lte=cutoff
        ).values("patient")
    )
    aggregates: dict[str, Count] = {
        "any_patients": _patients(),
        "any_events": _events(),
        "severe_patients": _patients(severe),
        "severe_events": _events(severe),
        "serious_patients": _patients(serious),
        "serious_events": _events(serious),
        "related_patients": _patients(related),
        "related_events": _events(related),
        "related_salvage_patients": _patients(Q(related_to_salvage__in=RELATED)),
        "fatal_patients": _patients(Q(grade=protocol.FATAL_GRADE)),
        "withdrawn_patients": _patients(withdrawn),
        "withdrawn_and_toxicity_patients": _patients(withdrawn & ended_for_toxicity),
    }
    for grade in protocol.CTCAE_GRADES:
        aggregates[f"grade_{grade}_patients"] = _patients(Q(grade__gte=grade))
        aggregates[f"above_grade_{grade}_patients"] = _patients(Q(grade__gt=grade))
    for i in range(len(CLASSES)):
        aggregates[f"class_{i}_patients"] = _patients(_in_class(i))
        aggregates[f"class_{i}_severe_patients"] = _patients(_in_class(i) & severe)
    for code, condition in interests.items():
        if condition is None:
            continue
        aggregates[f"{code}_patients"] = _patients(condition)
        aggregates[f"{code}_events"] = _events(condition)
        aggregates[f"{code}_severe_patients"] = _patients(condition & severe)
        aggregates[f"{code}_serious_patients"] = _patients(condition & serious)
    rows = events.values(ARM).annotate(**aggregates)
    return {row.pop(ARM): defaultdict(int, row) for row in rows}


@dataclass(frozen=True)
class TermRow:
    """A preferred term of the incidence table: the pairs recorded under it, its spelling
    (the first of them in code-point order) and its class."""

    system_organ_class: str
    preferred_term: str
    variants: tuple[Variant, ...]


def term_rows(variants: list[Variant]) -> list[TermRow]:
    """Return the preferred terms of these pairs: one whatever the case of its words."""
    grouped: dict[tuple[str, str], list[Variant]] = defaultdict(list)
    for term, text in variants:
        key = (system_organ_class_of(term), preferred_term_of(term, text).casefold())
        grouped[key].append((term, text))
    return [
        TermRow(soc, min(preferred_term_of(*v) for v in pairs), tuple(pairs))
        for (soc, _), pairs in grouped.items()
    ]


# The coded terms of each system organ class; anything else (an "Other, specify", a term no
# longer offered) is not coded.
_TERMS_OF_CLASS: dict[str, list[str]] = {
    soc: [t.name for t in CTCAE_TERMS if t.system_organ_class == soc]
    for soc in sorted({t.system_organ_class for t in CTCAE_TERMS})
}
CLASSES: tuple[str, ...] = (*_TERMS_OF_CLASS, OTHER_SOC)


def _in_class(index: int) -> Q:
    if CLASSES[index] == OTHER_SOC:
        return ~Q(term__in=[t.name for t in CTCAE_TERMS])
    return Q(term__in=_TERMS_OF_CLASS[CLASSES[index]])


@dataclass(frozen=True)
class Incidence:
    """Patients with an event, and with one of grade 3 or above, per arm."""

    any_grade: dict[str, int]
    grade_3_plus: dict[str, int]


def incidence_by_class(figures: dict[str, dict[str, int]]) -> dict[str, Incidence]:
    """Return the incidence of each system organ class with an event, per arm, from the
    figures by arm."""
    incidence = {}
    for i, soc in enumerate(CLASSES):
        any_grade = {arm: found[f"class_{i}_patients"] for arm, found in figures.items()}
        if any(any_grade.values()):
            severe = {arm: found[f"class_{i}_severe_patients"] for arm, found in figures.items()}
            incidence[soc] = Incidence(any_grade, severe)
    return incidence


def incidence_by_term(
    events: QuerySet[AdverseEvent], rows: list[TermRow], by_variant: dict[Variant, Incidence]
) -> dict[int, Incidence]:
    """Return the incidence of each of these terms (by its place in `rows`), per arm: its
    pair's when it has one; counted again over its pairs when it has several (a term
    specified in other cases or spaces: a patient with two of them counts once)."""
    incidence = {
        i: by_variant[row.variants[0]] for i, row in enumerate(rows) if len(row.variants) == 1
    }
    whens = [
        When(matching(row.variants), then=Value(i))
        for i, row in enumerate(rows)
        if len(row.variants) > 1
    ]
    if whens:  # seldom: free text written in two ways
        counted = (
            events.annotate(term_row=Case(*whens, default=None, output_field=IntegerField()))
            .filter(term_row__isnull=False)
            .values("term_row", ARM)
            .annotate(patients=_patients(), severe=_patients(Q(grade__gte=SEVERE_GRADE)))
        )
        incidence |= _incidence(counted, "term_row")
    return incidence


def _incidence(rows: Iterable[dict], key: str) -> dict:
    incidence: dict = {}
    for row in rows:
        found = incidence.setdefault(row[key], Incidence({}, {}))
        found.any_grade[row[ARM]] = row["patients"]
        found.grade_3_plus[row[ARM]] = row["severe"]
    return incidence
