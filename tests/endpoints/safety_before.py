"""The safety tables as they were computed before the database did the counting: every
treated patient and every adverse event at the cut-off read into Python as model instances
and plain rows (SafetyPatient, SafetyEvent), then counted row by row (the code of
endpoints.safety_selectors and endpoints.safety_tables up to commit 65ce6ac, kept here
unchanged in substance). tests/endpoints/test_safety_tables_match_row_by_row.py compares
the tables counted by PostgreSQL with these, figure by figure."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Subquery
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

import protocol
from accounts.models import User
from accounts.selectors import sites_visible_to
from endpoints.safety_interest import SPECIAL_INTEREST
from endpoints.safety_rows import EXPOSURE_AFTER_TREATMENT, OTHER_SOC, SafetyEvent
from endpoints.safety_tables import (
    DAYS_PER_MONTH,
    TOTAL,
    Count,
    Group,
    IncidenceRow,
    InterestRow,
    PatientRow,
    Rate,
    RateRow,
    SafetyTables,
)
from patients.models import Patient
from safety.models import SaeReportVersion
from visits.models import AdverseEvent, TreatmentCycle
from visits.treatment_emergence import treatment_emergent


@dataclass(frozen=True)
class SafetyPatient:
    """A patient of the safety population, as read at the cut-off."""

    study_id: str
    site: str
    arm: str
    first_dose_on: dt.date
    end_of_treatment_on: dt.date | None = None
    end_of_treatment_reason: str = ""
    left_study_on: dt.date | None = None  # death, withdrawal, lost to follow-up, ...
    dexamethasone_received: bool = False

    def exposure_ends_on(self, cutoff: dt.date) -> dt.date:
        """Return the last day of exposure: 30 days after the end of treatment, or the
        cut-off, or the day the patient left the study (death included), whichever first."""
        ends = [cutoff]
        if self.end_of_treatment_on and self.end_of_treatment_on <= cutoff:
            ends.append(self.end_of_treatment_on + EXPOSURE_AFTER_TREATMENT)
        if self.left_study_on and self.left_study_on <= cutoff:
            ends.append(self.left_study_on)
        return max(min(ends), self.first_dose_on)

    def exposure_days(self, cutoff: dt.date) -> int:
        return (self.exposure_ends_on(cutoff) - self.first_dose_on).days + 1

    def ended_for_toxicity(self, cutoff: dt.date) -> bool:
        return (
            self.end_of_treatment_reason == protocol.EndOfTreatmentReason.TOXICITY
            and self.end_of_treatment_on is not None
            and self.end_of_treatment_on <= cutoff
        )


# Pharmacovigilance's SUSAR of the event's SAE report, if any (one per assessed report).
_SUSAR = "sae_report__sponsor_assessment__susar"


def safety_population(*, user: User, cutoff: dt.date) -> list[SafetyPatient]:
    """Return the randomized patients of the visible sites with a cycle started on or
    before the cut-off."""
    cycles = TreatmentCycle.objects.filter(patient=OuterRef("pk"), started_on__lte=cutoff)
    patients = (
        Patient.objects.filter(randomization__isnull=False, site__in=sites_visible_to(user))
        .annotate(
            first_dose_on=Subquery(cycles.order_by("started_on").values("started_on")[:1]),
            dexamethasone_received=Exists(cycles.filter(dexamethasone_given=True)),
        )
        .filter(first_dose_on__isnull=False)
        .select_related("site", "randomization", "end_of_treatment", "off_study")
    )
    return [_patient(p) for p in patients]


def _patient(patient: Patient) -> SafetyPatient:
    end = getattr(patient, "end_of_treatment", None)
    off = getattr(patient, "off_study", None)
    return SafetyPatient(
        study_id=patient.study_id,
        site=patient.site.code,
        arm=patient.randomization.arm,
        first_dose_on=patient.first_dose_on,  # type: ignore[attr-defined]
        end_of_treatment_on=end.ended_on if end else None,
        end_of_treatment_reason=end.reason if end else "",
        left_study_on=off.event_on if off else None,
        dexamethasone_received=patient.dexamethasone_received,  # type: ignore[attr-defined]
    )


def adverse_events(*, user: User, cutoff: dt.date) -> list[SafetyEvent]:
    """Return the adverse events of the randomized patients of the visible sites with
    onset on or before the cut-off, with their TEAE flag, their SAE report's state (its
    latest version) and its SUSAR state, as they stand today."""
    versions = SaeReportVersion.objects.filter(report__adverse_event=OuterRef("pk")).order_by(
        "-number"
    )
    events = (
        AdverseEvent.objects.filter(
            onset_on__lte=cutoff,
            patient__randomization__isnull=False,
            patient__site__in=sites_visible_to(user),
        )
        .annotate(
            teae=treatment_emergent(),
            sae_version=Subquery(versions.values("number")[:1]),
            sae_status=Subquery(versions.values("status")[:1]),
            sae_received_at=F("sae_report__sponsor_received_at"),
            susar_classified_at=F(f"{_SUSAR}__classified_at"),
            susar_withdrawn_at=F(f"{_SUSAR}__withdrawn_at"),
            susar_reported_at=F(f"{_SUSAR}__reported_at"),
        )
        .select_related("patient__site", "patient__randomization")
        .order_by("patient__site__number", "patient__sequence", "onset_on", "pk")
    )
    return [_event(e) for e in events]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _susar(event: AdverseEvent) -> str:
    """Return the SUSAR state of the event's case: '' when pharmacovigilance found none."""
    if event.susar_classified_at is None:  # type: ignore[attr-defined]
        return ""
    if event.susar_withdrawn_at is not None:  # type: ignore[attr-defined]
        withdrawn = _utc(event.susar_withdrawn_at)  # type: ignore[attr-defined]
        return _("SUSAR withdrawn %(at)s") % {"at": withdrawn}
    if event.susar_reported_at is not None:  # type: ignore[attr-defined]
        reported = _utc(event.susar_reported_at)  # type: ignore[attr-defined]
        return _("SUSAR reported %(at)s") % {"at": reported}
    return _("SUSAR, not yet reported to the regulators")


def _sae_report(version: int | None, status: str | None) -> str:
    if version is None or status is None:
        return ""
    label = (
        _("initial report") if version == 0 else _("follow-up %(version)s") % {"version": version}
    )
    return _("%(report)s: %(status)s") % {
        "report": label,
        "status": str(SaeReportVersion.Status(status).label).lower(),
    }


def _event(event: AdverseEvent) -> SafetyEvent:
    return SafetyEvent(
        adverse_event_id=event.pk,
        study_id=event.patient.study_id,
        site=event.patient.site.code,
        arm=event.patient.randomization.arm,
        term=event.term,
        term_specified=event.term_specified,
        grade=event.grade,
        serious=event.serious,
        onset_on=event.onset_on,
        resolved_on=event.resolved_on,
        related_to_dexamethasone=event.related_to_dexamethasone,
        related_to_salvage=event.related_to_salvage,
        action_taken=event.action_taken,
        treatment_emergent=event.teae,  # type: ignore[attr-defined]
        sae_report=_sae_report(event.sae_version, event.sae_status),  # type: ignore[attr-defined]
        sae_received_at=event.sae_received_at,  # type: ignore[attr-defined]
        susar=_susar(event),
    )


def safety_tables(*, user: User, cutoff: dt.date, by_arm: bool, shows_susar: bool) -> SafetyTables:
    """Return the tables as endpoints.safety_tables.safety_tables computed them."""
    return tabulate(
        safety_population(user=user, cutoff=cutoff),
        adverse_events(user=user, cutoff=cutoff),
        cutoff=cutoff,
        by_arm=by_arm,
        shows_susar=shows_susar,
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
