"""Safety tables of the trial: TEAE incidence, worst grade, events of special interest,
exposure-adjusted rates and the line listing of SAEs, by arm or pooled.

Population: the safety population, the randomized patients who received at least one dose
(a treatment cycle started on or before the cut-off), counted in the arm they were randomized
to (intention to treat, as the other analyses: a control-arm patient given dexamethasone by
deviation stays in the control arm, and is named beside the tables). Every percentage has
the safety population of its column as denominator.

Events: the treatment-emergent adverse events (visits.treatment_emergence) with onset on or
before the cut-off; a patient counts once per row however many events they had. The CTCAE
v5.0 term is the MedDRA preferred term, its class the system organ class (visits.ctcae); an
"Other, specify" event counts under its specified term, in "Other (SOC not coded)" (the form
records no class for it). The listing has every serious adverse event by the cut-off,
treatment-emergent or not. An event is read as recorded today: a grade 5 event whose death
falls after the cut-off is still grade 5 (its outcome at the cut-off is "Not resolved").

Exposure (the rates): from the start of the first cycle to 30 days after the end of treatment,
or to the cut-off, the death or leaving the study if earlier, both days counted; a month is
365.25 / 12 days. Rates are events, and patients with at least one event, per 100
patient-months of the column's total exposure.

Blinding: by arm only for the accounts that may read arms joined to outcomes
(randomization.blinding.arms_visible_to); everyone else gets one pooled column and a listing
without the arm nor the relatedness to dexamethasone ("not applicable" tells the control arm).

`safety_tables` lays out the figures PostgreSQL counts per arm (endpoints.safety_counts) for
an account: a few grouped queries, whatever the number of patients and events; only the SAE
listing is read row by row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

import protocol
from accounts.models import User
from accounts.permissions import user_can_view_sponsor_safety
from accounts.selectors import sites_visible_to
from endpoints import safety_counts, safety_selectors
from endpoints.percentages import percent_number
from endpoints.safety_counts import ArmPopulation, Incidence, TermRow
from endpoints.safety_interest import SPECIAL_INTEREST
from endpoints.safety_listing import ListingColumn, listing_columns
from endpoints.safety_rows import OTHER_SOC, SafetyEvent
from randomization.blinding import arms_visible_to

TOTAL = "total"
DAYS_PER_MONTH = 365.25 / 12

POPULATION = gettext_lazy(
    "Safety population: randomized patients who received at least one dose (a treatment "
    "cycle started on or before the cut-off), in the arm they were randomized to."
)
EVENTS = gettext_lazy(
    "Treatment-emergent adverse events (onset from the first dose to TRIAL_TEAE_WINDOW_DAYS, "
    "30 by default, after the last) with onset on or before the cut-off; a patient counts "
    "once per row. 'Other, specify' events count under their specified term, in 'Other (SOC "
    "not coded)'."
)
EXPOSURE = gettext_lazy(
    "Exposure: from the start of the first cycle to 30 days after the end of treatment, or to "
    "the cut-off, death or leaving the study if earlier, both days included; a month is "
    "30.4375 days. Rates are per 100 patient-months of the whole column's exposure "
    "(events, and patients with at least one event)."
)
DISCONTINUATION = gettext_lazy(
    "Leading to discontinuation: a TEAE whose action taken is 'Drug withdrawn', or an end "
    "of treatment for toxicity recorded by the cut-off."
)


@dataclass(frozen=True)
class Group:
    """A column: one arm, or every patient (the total)."""

    code: str
    label: StrOrPromise
    n: int
    exposure_months: float


@dataclass(frozen=True)
class Count:
    """Patients with at least one event, among the column's N."""

    n: int
    of: int

    @property
    def percent(self) -> float | None:
        return 100 * self.n / self.of if self.of else None

    def __str__(self) -> str:
        """Return "n (p%)" as the page shows it: "0" when no patient."""
        if not self.n or self.percent is None:
            return "0"
        # Translators: patients and their percentage of the column, e.g. 3 (12.5%).
        return _("%(n)s (%(percent)s%%)") % {
            "n": self.n,
            "percent": percent_number(self.percent),
        }


@dataclass(frozen=True)
class PatientRow:
    code: str
    label: StrOrPromise
    counts: tuple[Count, ...]


@dataclass(frozen=True)
class IncidenceRow:
    """A system organ class (preferred_term empty) or one of its preferred terms."""

    system_organ_class: str
    preferred_term: str
    any_grade: tuple[Count, ...]
    grade_3_plus: tuple[Count, ...]

    @property
    def cells(self) -> list[tuple[Count, Count]]:
        return list(zip(self.any_grade, self.grade_3_plus, strict=True))


@dataclass(frozen=True)
class InterestRow:
    code: str
    label: StrOrPromise
    definition: StrOrPromise
    patients: tuple[Count, ...]
    events: tuple[int, ...]
    grade_3_plus: tuple[Count, ...]
    serious: tuple[Count, ...]

    @property
    def cells(self) -> list[tuple[Count, int, Count, Count]]:
        return list(zip(self.patients, self.events, self.grade_3_plus, self.serious, strict=True))


@dataclass(frozen=True)
class Rate:
    events: int
    patients: int
    exposure_months: float

    @property
    def events_per_100(self) -> float | None:
        return 100 * self.events / self.exposure_months if self.exposure_months else None

    @property
    def patients_per_100(self) -> float | None:
        return 100 * self.patients / self.exposure_months if self.exposure_months else None


@dataclass(frozen=True)
class RateRow:
    code: str
    label: StrOrPromise
    rates: tuple[Rate, ...]


@dataclass(frozen=True)
class SafetyTables:
    cutoff: dt.date
    by_arm: bool
    groups: tuple[Group, ...]
    summary: tuple[PatientRow, ...]
    worst_grade: tuple[PatientRow, ...]
    incidence: tuple[IncidenceRow, ...]
    special_interest: tuple[InterestRow, ...]
    rates: tuple[RateRow, ...]
    listing: tuple[SafetyEvent, ...]  # every serious adverse event by the cut-off
    # By arm only: control-arm patients of the population given dexamethasone (deviation).
    control_given_dexamethasone: tuple[str, ...] = ()
    # The listing's SUSAR column: for the accounts that follow SAEs trial-wide.
    shows_susar: bool = False
    population: StrOrPromise = POPULATION
    events: StrOrPromise = EVENTS
    exposure: StrOrPromise = EXPOSURE
    discontinuation: StrOrPromise = DISCONTINUATION

    @property
    def listing_columns(self) -> tuple[ListingColumn, ...]:
        return listing_columns(by_arm=self.by_arm, sponsor_safety=self.shows_susar)

    @property
    def listing_cells(self) -> list[list[StrOrPromise | int]]:
        """Return the listing's rows as the CSV gives them (coded, English, ISO dates)."""
        columns = self.listing_columns
        return [[c.value(e, self.cutoff) for c in columns] for e in self.listing]

    @property
    def listing_shown_cells(self) -> list[list[StrOrPromise | int]]:
        """Return the listing's rows as the page shows them."""
        return self.cells_of(self.listing)

    def cells_of(self, events: Iterable[SafetyEvent]) -> list[list[StrOrPromise | int]]:
        """Return these rows of the listing (a page of it) as the page shows them: in the
        reader's language, dates dd/mm/yyyy."""
        columns = self.listing_columns
        return [[c.page_value(e, self.cutoff) for c in columns] for e in events]


def safety_tables(
    *, user: User, cutoff: dt.date | None = None, by_arm: bool | None = None
) -> SafetyTables:
    """Return the safety tables of the patients this account sees, at the cut-off (today by
    default); by arm if the account may read arms joined to outcomes, unless `by_arm` says
    otherwise. Asking arms for an account that may not read them is refused."""
    may_see_arms = arms_visible_to(user)
    if by_arm is None:
        by_arm = may_see_arms
    elif by_arm and not may_see_arms:
        raise PermissionDenied(_("Results by arm are confidential while the trial runs."))
    cutoff = cutoff or timezone.localdate()
    shows_susar = user_can_view_sponsor_safety(user)
    with _one_snapshot():
        sites = sites_visible_to(user)
        population = safety_counts.population_by_arm(sites=sites, cutoff=cutoff)
        teaes = safety_counts.treatment_emergent_events(sites=sites, cutoff=cutoff)
        by_variant = safety_counts.incidence_by_variant(teaes)
        figures = safety_counts.figures_by_arm(
            teaes, cutoff=cutoff, interests=safety_counts.interest_conditions(list(by_variant))
        )
        terms = safety_counts.term_rows(list(by_variant))
        by_class = safety_counts.incidence_by_class(figures)
        by_term = safety_counts.incidence_by_term(teaes, terms, by_variant)
        listing = safety_selectors.serious_adverse_events(
            sites=sites, cutoff=cutoff, by_arm=by_arm, shows_susar=shows_susar
        )
    groups = _groups(population, by_arm)
    columns = _Columns(groups)

    def figure(name: str) -> dict[str, int]:
        return {arm: found[name] for arm, found in figures.items()}

    control = population.get(protocol.Arm.CONTROL)
    return SafetyTables(
        cutoff=cutoff,
        by_arm=by_arm,
        groups=groups,
        summary=_summary(population, figure, columns),
        worst_grade=_worst_grade(population, figure, columns),
        incidence=_incidence(by_class, terms, by_term, columns),
        special_interest=_special_interest(figure, columns),
        rates=_rates(figure, columns),
        listing=tuple(sorted(listing, key=lambda e: (e.site, e.study_id, e.onset_on))),
        shows_susar=shows_susar,
        control_given_dexamethasone=(
            control.given_dexamethasone if by_arm and control is not None else ()
        ),
    )


@contextlib.contextmanager
def _one_snapshot() -> Iterator[None]:
    """Read the population, the events and the listing as of one moment (a REPEATABLE READ
    snapshot; the caller's, within its transaction): a record saved meanwhile is in all
    of them or in none, and the (term, specification) pairs read first are all the
    events have. In a transaction of its own, without JIT compilation: the planner's
    estimate of the TEAE rule's subqueries (per event) passes jit_above_cost, and compiling
    took ~25 ms of each ~100 ms query at 10,000 patients (the setting ends with the
    transaction; a caller's transaction is left as it is)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False):  # reads only: nothing to roll back to
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                    "SET LOCAL jit = off"
                )
        yield


def _groups(population: dict[str, ArmPopulation], by_arm: bool) -> tuple[Group, ...]:
    def group(code: str, label: StrOrPromise, arms: list[ArmPopulation]) -> Group:
        days = sum(a.exposure_days for a in arms)
        return Group(code, label, sum(a.n for a in arms), days / DAYS_PER_MONTH)

    total = group(TOTAL, _("Total") if by_arm else _("All patients"), list(population.values()))
    if not by_arm:
        return (total,)
    arms = [
        group(arm.value, arm.label, [population[arm.value]] if arm.value in population else [])
        for arm in (protocol.Arm.DEX, protocol.Arm.CONTROL)
    ]
    return (*arms, total)


class _Columns:
    """The figures of a row, one per column: an arm's, or every arm's for the total."""

    def __init__(self, groups: tuple[Group, ...]) -> None:
        self.groups = groups

    def numbers(self, by_arm: dict[str, int]) -> tuple[int, ...]:
        return tuple(
            sum(by_arm.values()) if g.code == TOTAL else by_arm.get(g.code, 0) for g in self.groups
        )

    def counts(self, by_arm: dict[str, int]) -> tuple[Count, ...]:
        return tuple(Count(n, g.n) for n, g in zip(self.numbers(by_arm), self.groups, strict=True))

    def rates(self, events: dict[str, int], patients: dict[str, int]) -> tuple[Rate, ...]:
        return tuple(
            Rate(e, p, g.exposure_months)
            for e, p, g in zip(
                self.numbers(events), self.numbers(patients), self.groups, strict=True
            )
        )


_Figure = Callable[[str], dict[str, int]]


def _summary(
    population: dict[str, ArmPopulation], figure: _Figure, columns: _Columns
) -> tuple[PatientRow, ...]:
    toxicity = {arm: p.ended_for_toxicity for arm, p in population.items()}
    withdrawn = figure("withdrawn_patients")
    both = figure("withdrawn_and_toxicity_patients")
    # A patient with a drug withdrawn and an end for toxicity counts once.
    discontinued = {
        arm: withdrawn.get(arm, 0) + toxicity.get(arm, 0) - both.get(arm, 0)
        for arm in {*withdrawn, *toxicity}
    }
    rows = (
        ("TEAE", _("Any TEAE"), figure("any_patients")),
        ("TEAEGR3", _("TEAE of grade ≥ 3"), figure("severe_patients")),
        (
            "TEAEREL",
            _("TEAE related to dexamethasone (possible, probable, definite)"),
            figure("related_patients"),
        ),
        (
            "TEAERELS",
            _("TEAE related to salvage therapy (possible, probable, definite)"),
            figure("related_salvage_patients"),
        ),
        ("TEAESER", _("Serious TEAE"), figure("serious_patients")),
        ("TEAEDISC", _("TEAE leading to discontinuation"), discontinued),
        ("TEAEWD", _("… action taken: drug withdrawn"), withdrawn),
        ("EOTTOX", _("… end of treatment for toxicity"), toxicity),
        ("TEAEFAT", _("Fatal TEAE (grade 5)"), figure("fatal_patients")),
    )
    return tuple(PatientRow(code, label, columns.counts(n)) for code, label, n in rows)


def _worst_grade(
    population: dict[str, ArmPopulation], figure: _Figure, columns: _Columns
) -> tuple[PatientRow, ...]:
    with_teae = figure("any_patients")
    without = {arm: p.n - with_teae.get(arm, 0) for arm, p in population.items()}
    rows = [PatientRow("NOTEAE", _("No TEAE"), columns.counts(without))]
    for grade in protocol.CTCAE_GRADES:
        # Worst grade g: an event of grade g or above, none above g.
        at_least = figure(f"grade_{grade}_patients")
        above = figure(f"above_grade_{grade}_patients")
        worst = {arm: n - above.get(arm, 0) for arm, n in at_least.items()}
        rows.append(
            PatientRow(
                f"WORSTGR{grade}", _("Grade %(grade)s") % {"grade": grade}, columns.counts(worst)
            )
        )
    return tuple(rows)


def _incidence(
    by_class: dict[str, Incidence],
    terms: list[TermRow],
    by_term: dict[int, Incidence],
    columns: _Columns,
) -> tuple[IncidenceRow, ...]:
    """Return each class, then its terms, by descending number of patients (all columns
    together), then by name; the uncoded class last."""

    def row(soc: str, term: str, incidence: Incidence) -> IncidenceRow:
        return IncidenceRow(
            soc,
            term,
            columns.counts(incidence.any_grade),
            columns.counts(incidence.grade_3_plus),
        )

    def frequency(r: IncidenceRow) -> tuple[int, str]:
        return (-r.any_grade[-1].n, (r.preferred_term or r.system_organ_class).casefold())

    rows: list[IncidenceRow] = []
    classes = sorted(
        (row(soc, "", incidence) for soc, incidence in by_class.items()),
        key=lambda r: (r.system_organ_class == OTHER_SOC, *frequency(r)),
    )
    for soc_row in classes:
        in_class = [
            row(term.system_organ_class, term.preferred_term, by_term[i])
            for i, term in enumerate(terms)
            if term.system_organ_class == soc_row.system_organ_class and i in by_term
        ]
        rows += [soc_row, *sorted(in_class, key=frequency)]
    return tuple(rows)


def _special_interest(figure: _Figure, columns: _Columns) -> tuple[InterestRow, ...]:
    return tuple(
        InterestRow(
            interest.code,
            interest.label,
            interest.definition,
            patients=columns.counts(figure(f"{interest.code}_patients")),
            events=columns.numbers(figure(f"{interest.code}_events")),
            grade_3_plus=columns.counts(figure(f"{interest.code}_severe_patients")),
            serious=columns.counts(figure(f"{interest.code}_serious_patients")),
        )
        for interest in SPECIAL_INTEREST
    )


def _rates(figure: _Figure, columns: _Columns) -> tuple[RateRow, ...]:
    def rates(name: str) -> tuple[Rate, ...]:
        return columns.rates(figure(f"{name}_events"), figure(f"{name}_patients"))

    rows = [
        RateRow("TEAE", _("Any TEAE"), rates("any")),
        RateRow("TEAEGR3", _("TEAE of grade ≥ 3"), rates("severe")),
        RateRow("TEAESER", _("Serious TEAE"), rates("serious")),
        RateRow("TEAEREL", _("TEAE related to dexamethasone"), rates("related")),
    ]
    for interest in SPECIAL_INTEREST:
        rows.append(RateRow(interest.code, interest.label, rates(interest.code)))
    return tuple(rows)
