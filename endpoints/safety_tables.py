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

`tabulate` is a pure function of plain rows; `safety_tables` reads them for an account.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

import protocol
from accounts.models import User
from accounts.permissions import user_can_view_sponsor_safety
from endpoints import safety_selectors
from endpoints.percentages import percent_number
from endpoints.safety_interest import SPECIAL_INTEREST
from endpoints.safety_listing import ListingColumn, listing_columns
from endpoints.safety_rows import OTHER_SOC, SafetyEvent, SafetyPatient
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
    return tabulate(
        safety_selectors.safety_population(user=user, cutoff=cutoff),
        safety_selectors.adverse_events(user=user, cutoff=cutoff),
        cutoff=cutoff,
        by_arm=by_arm,
        shows_susar=user_can_view_sponsor_safety(user),
    )


def tabulate(
    patients: Sequence[SafetyPatient],
    events: Iterable[SafetyEvent],
    *,
    cutoff: dt.date,
    by_arm: bool,
    shows_susar: bool = False,
) -> SafetyTables:
    """Return the tables of these patients and events at the cut-off (events after it are
    left out), by arm or pooled; the listing's SUSAR states only if `shows_susar`."""
    events = [e for e in events if e.onset_on <= cutoff]
    arm_of = {p.study_id: p.arm for p in patients}
    teaes = [e for e in events if e.treatment_emergent and e.study_id in arm_of]
    groups = _groups(patients, cutoff, by_arm)

    def counts(ids: Iterable[str]) -> tuple[Count, ...]:
        ids = set(ids)
        return tuple(
            Count(sum(1 for i in ids if g.code in (TOTAL, arm_of[i])), g.n) for g in groups
        )

    def with_event(which: Callable[[SafetyEvent], bool]) -> set[str]:
        return {e.study_id for e in teaes if which(e)}

    listing = [e for e in events if e.serious]
    if not by_arm:
        listing = [replace(e, arm="", related_to_dexamethasone="") for e in listing]
    if not shows_susar:
        listing = [replace(e, susar="") for e in listing]
    return SafetyTables(
        cutoff=cutoff,
        by_arm=by_arm,
        groups=groups,
        summary=_summary(patients, cutoff, counts, with_event),
        worst_grade=_worst_grade(patients, teaes, counts),
        incidence=_incidence(teaes, counts),
        special_interest=_special_interest(teaes, groups, arm_of, counts),
        rates=_rates(teaes, groups, arm_of),
        listing=tuple(sorted(listing, key=lambda e: (e.site, e.study_id, e.onset_on))),
        shows_susar=shows_susar,
        control_given_dexamethasone=tuple(
            p.study_id
            for p in patients
            if by_arm and p.arm == protocol.Arm.CONTROL and p.dexamethasone_received
        ),
    )


def _groups(patients: Sequence[SafetyPatient], cutoff: dt.date, by_arm: bool) -> tuple[Group, ...]:
    def group(code: str, label: StrOrPromise, members: list[SafetyPatient]) -> Group:
        days = sum(p.exposure_days(cutoff) for p in members)
        return Group(code, label, len(members), days / DAYS_PER_MONTH)

    total = group(TOTAL, _("Total") if by_arm else _("All patients"), list(patients))
    if not by_arm:
        return (total,)
    arms = [
        group(arm.value, arm.label, [p for p in patients if p.arm == arm.value])
        for arm in (protocol.Arm.DEX, protocol.Arm.CONTROL)
    ]
    return (*arms, total)


_Counts = Callable[[Iterable[str]], tuple[Count, ...]]


def _summary(
    patients: Sequence[SafetyPatient],
    cutoff: dt.date,
    counts: _Counts,
    with_event: Callable[[Callable[[SafetyEvent], bool]], set[str]],
) -> tuple[PatientRow, ...]:
    withdrawn = with_event(lambda e: e.drug_withdrawn)
    toxicity = {p.study_id for p in patients if p.ended_for_toxicity(cutoff)}
    rows = (
        ("TEAE", _("Any TEAE"), with_event(lambda e: True)),
        ("TEAEGR3", _("TEAE of grade ≥ 3"), with_event(lambda e: e.severe)),
        (
            "TEAEREL",
            _("TEAE related to dexamethasone (possible, probable, definite)"),
            with_event(lambda e: e.related),
        ),
        (
            "TEAERELS",
            _("TEAE related to salvage therapy (possible, probable, definite)"),
            with_event(lambda e: e.related_salvage),
        ),
        ("TEAESER", _("Serious TEAE"), with_event(lambda e: e.serious)),
        ("TEAEDISC", _("TEAE leading to discontinuation"), withdrawn | toxicity),
        ("TEAEWD", _("… action taken: drug withdrawn"), withdrawn),
        ("EOTTOX", _("… end of treatment for toxicity"), toxicity),
        ("TEAEFAT", _("Fatal TEAE (grade 5)"), with_event(lambda e: e.fatal)),
    )
    return tuple(PatientRow(code, label, counts(ids)) for code, label, ids in rows)


def _worst_grade(
    patients: Sequence[SafetyPatient], teaes: Sequence[SafetyEvent], counts: _Counts
) -> tuple[PatientRow, ...]:
    worst: dict[str, int] = {}
    for e in teaes:
        worst[e.study_id] = max(worst.get(e.study_id, 0), e.grade)
    rows = [
        PatientRow(
            "NOTEAE", _("No TEAE"), counts(p.study_id for p in patients if p.study_id not in worst)
        )
    ]
    for grade in protocol.CTCAE_GRADES:
        ids = (i for i, g in worst.items() if g == grade)
        rows.append(
            PatientRow(f"WORSTGR{grade}", _("Grade %(grade)s") % {"grade": grade}, counts(ids))
        )
    return tuple(rows)


def _incidence(teaes: Sequence[SafetyEvent], counts: _Counts) -> tuple[IncidenceRow, ...]:
    """Return each class, then its terms, by descending number of patients (all columns
    together), then by name; the uncoded class last."""
    by_class: dict[str, list[SafetyEvent]] = defaultdict(list)
    for e in teaes:
        by_class[e.system_organ_class].append(e)

    def row(soc: str, term: str, events: list[SafetyEvent]) -> IncidenceRow:
        return IncidenceRow(
            soc,
            term,
            counts(e.study_id for e in events),
            counts(e.study_id for e in events if e.severe),
        )

    def frequency(r: IncidenceRow) -> tuple[int, str]:
        return (-r.any_grade[-1].n, (r.preferred_term or r.system_organ_class).casefold())

    rows: list[IncidenceRow] = []
    classes = sorted(
        (row(soc, "", events) for soc, events in by_class.items()),
        key=lambda r: (r.system_organ_class == OTHER_SOC, *frequency(r)),
    )
    for soc_row in classes:
        by_term: dict[str, list[SafetyEvent]] = defaultdict(list)
        spelled: dict[str, str] = {}
        for e in by_class[soc_row.system_organ_class]:
            key = e.preferred_term.casefold()  # free text: one term whatever its case
            by_term[key].append(e)
            spelled[key] = min(spelled.get(key, e.preferred_term), e.preferred_term)
        terms = [row(soc_row.system_organ_class, spelled[k], evs) for k, evs in by_term.items()]
        rows += [soc_row, *sorted(terms, key=frequency)]
    return tuple(rows)


def _special_interest(
    teaes: Sequence[SafetyEvent],
    groups: tuple[Group, ...],
    arm_of: dict[str, str],
    counts: _Counts,
) -> tuple[InterestRow, ...]:
    rows = []
    for interest in SPECIAL_INTEREST:
        events = [e for e in teaes if interest.matches(e.system_organ_class, e.preferred_term)]
        rows.append(
            InterestRow(
                interest.code,
                interest.label,
                interest.definition,
                patients=counts(e.study_id for e in events),
                events=tuple(
                    sum(1 for e in events if g.code in (TOTAL, arm_of[e.study_id])) for g in groups
                ),
                grade_3_plus=counts(e.study_id for e in events if e.severe),
                serious=counts(e.study_id for e in events if e.serious),
            )
        )
    return tuple(rows)


def _rates(
    teaes: Sequence[SafetyEvent], groups: tuple[Group, ...], arm_of: dict[str, str]
) -> tuple[RateRow, ...]:
    def rates(events: list[SafetyEvent]) -> tuple[Rate, ...]:
        return tuple(
            Rate(
                len(mine := [e for e in events if g.code in (TOTAL, arm_of[e.study_id])]),
                len({e.study_id for e in mine}),
                g.exposure_months,
            )
            for g in groups
        )

    rows = [
        RateRow("TEAE", _("Any TEAE"), rates(list(teaes))),
        RateRow("TEAEGR3", _("TEAE of grade ≥ 3"), rates([e for e in teaes if e.severe])),
        RateRow("TEAESER", _("Serious TEAE"), rates([e for e in teaes if e.serious])),
        RateRow(
            "TEAEREL", _("TEAE related to dexamethasone"), rates([e for e in teaes if e.related])
        ),
    ]
    for interest in SPECIAL_INTEREST:
        matched = [e for e in teaes if interest.matches(e.system_organ_class, e.preferred_term)]
        rows.append(RateRow(interest.code, interest.label, rates(matched)))
    return tuple(rows)
