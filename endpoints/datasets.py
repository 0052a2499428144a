"""Analysis datasets derived from the clinical records for a data cut-off date.

`patient_facts` reads the records with one query per table; the derivations below are pure
functions of those facts, so the rules of PROTOCOL.md (time-to-event endpoints) are tested
directly and the exports use the very same code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from django.db.models import F, Lookup, Model, QuerySet
from django.utils import timezone

import protocol
from biology.selectors import ElnRisk, eln_risks
from endpoints.selectors import baseline_biology
from labs.derivations import CycleCounts
from labs.selectors import lab_courses
from patients.history_selectors import HistoryFacts, history_facts
from patients.models import Patient
from randomization.models import Randomization
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    MrdAssessment,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

REMISSION = {c.value for c in protocol.REMISSION_RESPONSES}
# What `patient_facts` may read beyond the dates and responses every endpoint is derived
# from: the disease history (`history`), the ELN risk of the screening specimen (`biology`),
# and what only the analyses read (`analysis`: the subgroups' baseline, the MRD results,
# cycle 1's counts). An export asks only for what its columns read.
Part = Literal["history", "biology", "analysis"]
EVERY_PART: frozenset[Part] = frozenset(get_args(Part))


@dataclass(frozen=True)
class Assessment:
    on: dt.date
    category: str
    after_cycle: int | None
    timepoint: str = ""  # protocol.ResponseTimepoint


@dataclass
class PatientFacts:
    """What the endpoints need to know about one randomized patient."""

    study_id: str
    site: str
    arm: str
    regimen: str
    disease_status: str  # stratum level: relapsed / refractory
    sex: str
    age: int | None
    randomized_on: dt.date
    contact_dates: list[dt.date] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    relapse_dates: list[dt.date] = field(default_factory=list)  # from follow-up visits
    death_on: dt.date | None = None
    hsct_on: dt.date | None = None
    end_of_treatment_on: dt.date | None = None
    # Off study other than by death (consent withdrawn, lost to follow-up, ...): the date.
    left_study_on: dt.date | None = None
    # Imported from a legacy system: survival and transplant dates only, no response data,
    # so the patient counts in OS (and OS censored at HSCT) but not in EFS, LFS or responses.
    imported: bool = False
    # The ELN risk derived from the screening specimen, beside the investigator's entry, and
    # the specimen (biology.selectors.eln_risks); None for imported patients.
    biology: ElnRisk | None = None
    # The disease history before the study and what is derived from it (ADSL's DISSTDER,
    # CR1DUR, PRIORHSCT, PRIORLINES; patients/history.py); empty for imported patients.
    history: HistoryFacts = field(default_factory=HistoryFacts)
    # Dates of the MRD assessments negative by flow cytometry (< 10⁻³, PROTOCOL.md).
    mrd_flow_negative_on: list[dt.date] = field(default_factory=list)
    # Baseline biology the subgroup analysis reads ({"NPM1": "detected", "eln_risk": ...}),
    # from endpoints.selectors.baseline_biology; empty for imported patients.
    baseline: dict[str, str] = field(default_factory=dict)
    # Cycle 1's myelosuppression and count recovery (labs/derivations.py), when it has
    # counts on or before the cut-off; None otherwise and for imported patients.
    first_cycle_counts: CycleCounts | None = None

    @property
    def evaluation(self) -> protocol.ResponseTimepoint:
        """The protocol evaluation of the patient's regimen (end of induction, post cycle 3)."""
        return protocol.REGIMEN_PLANS[self.regimen].evaluation


@dataclass(frozen=True)
class TimeToEvent:
    """One row of an ADTTE-like dataset: AVAL days from STARTDT, CNSR 1 = censored."""

    study_id: str
    parameter: str  # OS, EFS, LFS, OS_HSCT_CENSORED, RELAPSE
    start_on: dt.date
    end_on: dt.date
    days: int
    event: int  # 1 = event, 0 = censored (for RELAPSE: 1 relapse, 2 competing death)
    description: str

    @property
    def censored(self) -> int:
        return 0 if self.event else 1


def last_known_alive(facts: PatientFacts, cutoff: dt.date) -> dt.date:
    """The last date known alive, or the cut-off if that is earlier (PROTOCOL.md).

    A contact or a death after the cut-off shows the patient alive at the cut-off.
    """
    latest = max([*facts.contact_dates, facts.randomized_on])
    if facts.death_on and facts.death_on > cutoff:
        latest = max(latest, cutoff)
    return min(latest, cutoff)


def _row(
    facts: PatientFacts,
    parameter: str,
    start: dt.date,
    end: dt.date,
    event: int,
    description: str,
) -> TimeToEvent:
    return TimeToEvent(
        facts.study_id, parameter, start, end, (end - start).days, event, description
    )


def overall_survival(facts: PatientFacts, cutoff: dt.date) -> TimeToEvent:
    """OS: randomization to death from any cause; censored at last known alive (≤ cut-off)."""
    if facts.death_on and facts.death_on <= cutoff:
        return _row(facts, "OS", facts.randomized_on, facts.death_on, 1, "Death")
    return _row(
        facts,
        "OS",
        facts.randomized_on,
        last_known_alive(facts, cutoff),
        0,
        "Censored: last known alive",
    )


def overall_survival_censored_at_transplant(facts: PatientFacts, cutoff: dt.date) -> TimeToEvent:
    """Sensitivity analysis: OS censored at allo-HSCT."""
    os_row = overall_survival(facts, cutoff)
    if facts.hsct_on and facts.hsct_on <= cutoff and facts.hsct_on < os_row.end_on:
        return _row(
            facts, "OS_HSCT_CENSORED", facts.randomized_on, facts.hsct_on, 0, "Censored: allo-HSCT"
        )
    return TimeToEvent(
        facts.study_id,
        "OS_HSCT_CENSORED",
        os_row.start_on,
        os_row.end_on,
        os_row.days,
        os_row.event,
        os_row.description,
    )


# --- Responses to protocol treatment and the protocol evaluation -----------------------

_BEST_FIRST = list(protocol.ResponseCategory.values)  # CR, CRi, MLFS, PR, resistant, ...
_EVALUATION_NAMES = {
    protocol.ResponseTimepoint.END_OF_INDUCTION: "end-of-induction evaluation",
    protocol.ResponseTimepoint.POST_CYCLE_3: "post-cycle-3 evaluation",
}


def protocol_evaluation(facts: PatientFacts, cutoff: dt.date) -> Assessment | None:
    """The protocol evaluation recorded by the cut-off (one per patient), or None."""
    return next(
        (a for a in facts.assessments if a.timepoint == facts.evaluation and a.on <= cutoff),
        None,
    )


def protocol_treatment_ends_on(facts: PatientFacts, cutoff: dt.date) -> dt.date | None:
    """The end of protocol treatment by the cut-off: end of treatment or allo-HSCT,
    whichever first; None while neither is recorded by then."""
    days = [d for d in (facts.end_of_treatment_on, facts.hsct_on) if d and d <= cutoff]
    return min(days, default=None)


def responses_to_protocol_treatment(facts: PatientFacts, cutoff: dt.date) -> list[Assessment]:
    """The assessments that measure the response to protocol treatment, by the cut-off.

    Those dated up to the end of treatment or the allo-HSCT, whichever first (a follow-up
    assessment never), and the protocol evaluation wherever it falls: it measures the
    protocol's treatment even when treatment stopped before it. A response after an
    allo-HSCT is the transplant's, not the salvage therapy's.
    """
    end = protocol_treatment_ends_on(facts, cutoff)
    return [
        a
        for a in facts.assessments
        if a.on <= cutoff
        and (
            a.timepoint == facts.evaluation
            or (
                a.timepoint != protocol.ResponseTimepoint.FOLLOW_UP and (end is None or a.on <= end)
            )
        )
    ]


def best_response(facts: PatientFacts, cutoff: dt.date) -> str | None:
    """The best response to protocol treatment by the cut-off (CR, CRi, MLFS, PR, resistant,
    progression, relapse, best first); None when no assessment counts."""
    seen = [a.category for a in responses_to_protocol_treatment(facts, cutoff)]
    return min(seen, key=_BEST_FIRST.index) if seen else None


def _first_remission(
    facts: PatientFacts, cutoff: dt.date, *, until: dt.date | None = None
) -> dt.date | None:
    """The first CR/CRi in response to protocol treatment (on or before `until` if given)."""
    return min(
        (
            a.on
            for a in responses_to_protocol_treatment(facts, cutoff)
            if a.category in REMISSION and (until is None or a.on <= until)
        ),
        default=None,
    )


def _relapses(facts: PatientFacts, after: dt.date, cutoff: dt.date) -> list[dt.date]:
    dates = [
        a.on
        for a in facts.assessments
        if a.category == protocol.ResponseCategory.RELAPSE and a.on > after
    ]
    dates += [d for d in facts.relapse_dates if d > after]
    return sorted(d for d in dates if d <= cutoff)


def _first_event(candidates: list[tuple[dt.date, str]]) -> tuple[dt.date, str]:
    """The earliest event; on one day a relapse comes before the death it led to."""
    return min(candidates, key=lambda event: (event[0], event[1] != "Relapse"))


def induction_failure(facts: PatientFacts, cutoff: dt.date) -> str | None:
    """Why the patient is an induction failure by the cut-off (EFS event dated at
    randomization), or None (README, "Derivations", EFS).

    No CR/CRi by the protocol evaluation: the evaluation, recorded, shows no CR/CRi and
    none came before it. Without an evaluation and without any CR/CRi, the patient fails
    once the evaluation can no longer show a remission: progression (a response of
    progressive disease, or a relapse reported at follow-up), death, the end of protocol
    treatment (end of treatment or allo-HSCT) or leaving the study (withdrawal, loss to
    follow-up), whichever first. Otherwise the patient is not yet at the evaluation.
    """
    name = _EVALUATION_NAMES[facts.evaluation]
    evaluation = protocol_evaluation(facts, cutoff)
    if evaluation is not None:
        if _first_remission(facts, cutoff, until=evaluation.on) is None:
            return f"Induction failure: {evaluation.category} at the {name}"
        return None
    if _first_remission(facts, cutoff) is not None:
        return None
    progression = [
        a.on
        for a in facts.assessments
        if a.category == protocol.ResponseCategory.PROGRESSION and a.on <= cutoff
    ] + [d for d in facts.relapse_dates if d <= cutoff]
    # In this order on one day: what the disease did, then what followed from it.
    reasons = [
        (min(progression, default=None), "progression"),
        (facts.death_on, "death"),
        (facts.hsct_on, "allo-HSCT"),
        (facts.end_of_treatment_on, "end of treatment"),
        (facts.left_study_on, "off study"),
    ]
    known = [(on, i, why) for i, (on, why) in enumerate(reasons) if on and on <= cutoff]
    if not known:
        return None
    return f"Induction failure: {min(known)[2]} before the {name}"


def event_free_survival(facts: PatientFacts, cutoff: dt.date) -> TimeToEvent:
    """EFS: induction failure (dated at randomization), relapse or death, whichever first.

    Censored at the last date known alive: in CR/CRi without relapse or death, or not yet
    at the protocol evaluation (README, "Derivations").
    """
    failure = induction_failure(facts, cutoff)
    if failure is not None:
        return _row(facts, "EFS", facts.randomized_on, facts.randomized_on, 1, failure)
    evaluation = protocol_evaluation(facts, cutoff)
    remission = _first_remission(facts, cutoff, until=evaluation.on if evaluation else None)
    candidates = []
    if remission:
        candidates += [(d, "Relapse") for d in _relapses(facts, remission, cutoff)]
    if facts.death_on and facts.death_on <= cutoff:
        candidates.append((facts.death_on, "Death"))
    if candidates:
        end, what = _first_event(candidates)
        return _row(facts, "EFS", facts.randomized_on, end, 1, what)
    return _row(
        facts,
        "EFS",
        facts.randomized_on,
        last_known_alive(facts, cutoff),
        0,
        "Censored: last known alive"
        if remission
        else "Censored: protocol evaluation not yet reached",
    )


def leukaemia_free_survival(facts: PatientFacts, cutoff: dt.date) -> TimeToEvent | None:
    """LFS (CR/CRi patients only): from the first CR/CRi in response to protocol treatment
    to relapse or death."""
    remission = _first_remission(facts, cutoff)
    if remission is None:
        return None
    candidates = [(d, "Relapse") for d in _relapses(facts, remission, cutoff)]
    if facts.death_on and facts.death_on <= cutoff:
        candidates.append((facts.death_on, "Death"))
    if candidates:
        end, what = _first_event(candidates)
        return _row(facts, "LFS", remission, end, 1, what)
    return _row(
        facts,
        "LFS",
        remission,
        max(last_known_alive(facts, cutoff), remission),
        0,
        "Censored: last known alive",
    )


def relapse_with_competing_death(facts: PatientFacts, cutoff: dt.date) -> TimeToEvent | None:
    """From the first CR/CRi: relapse (1), death in remission (2, competing) or censored (0)."""
    lfs = leukaemia_free_survival(facts, cutoff)
    if lfs is None:
        return None
    code = {"Relapse": 1, "Death": 2}.get(lfs.description, 0)
    description = {1: "Relapse", 2: "Death in remission"}.get(code, lfs.description)
    return TimeToEvent(
        facts.study_id, "RELAPSE", lfs.start_on, lfs.end_on, lfs.days, code, description
    )


# The endpoints an imported patient's data (survival and transplant dates) can support.
IMPORTED_ENDPOINTS = frozenset({"OS", "OS_HSCT_CENSORED"})

ENDPOINTS = {
    "OS": overall_survival,
    "EFS": event_free_survival,
    "LFS": leukaemia_free_survival,
    "OS_HSCT_CENSORED": overall_survival_censored_at_transplant,
    "RELAPSE": relapse_with_competing_death,
}


def time_to_event_rows(
    facts: Iterable[PatientFacts], cutoff: dt.date, parameters: Iterable[str] = ENDPOINTS
) -> list[TimeToEvent]:
    """Return the ADTTE-like rows: one per patient and parameter (LFS only for CR/CRi)."""
    rows = []
    for patient in facts:
        for parameter in parameters:
            if patient.imported and parameter not in IMPORTED_ENDPOINTS:
                continue
            row = ENDPOINTS[parameter](patient, cutoff)
            if row is not None:
                rows.append(row)
    return rows


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def patient_facts(
    cutoff: dt.date,
    *,
    sites: Iterable[int] | None = None,
    patient_ids: Iterable[int] | None = None,
    include_imported: bool = True,
    parts: frozenset[Part] = EVERY_PART,
) -> list[PatientFacts]:
    """Load every patient randomized by the cut-off with one query per table (no N+1).

    `sites` (site numbers) limits the patients to those sites; `patient_ids` to a batch of
    patients (the exports go batch by batch, so memory does not grow with the trial).
    Outcomes imported from a legacy system are included unless a batch is asked for.
    `parts` names what is read beyond the endpoints' dates and responses (`Part`); the
    fields of a part not asked for keep their defaults (ADTTE reads none: 4 s of reading
    saved at 10,000 patients, most of it cycle 1's counts).
    """
    facts = _recorded_facts(cutoff, sites=sites, patient_ids=patient_ids, parts=parts)
    if include_imported and patient_ids is None:
        facts += imported_facts(cutoff, sites=sites)
    return facts


def imported_facts(cutoff: dt.date, *, sites: Iterable[int] | None = None) -> list[PatientFacts]:
    """Facts of the patients whose outcomes were imported (legacy data)."""
    from endpoints.models import ImportedOutcome

    outcomes = ImportedOutcome.objects.filter(randomized_on__lte=cutoff).order_by("subject_id")
    if sites is not None:
        outcomes = outcomes.filter(site_number__in=list(sites))
    return [
        PatientFacts(
            study_id=o.subject_id,
            site=f"{o.site_number:02d}",
            arm=o.arm,
            regimen=o.regimen,
            disease_status="",
            sex="",
            age=None,
            randomized_on=o.randomized_on,
            contact_dates=[o.last_alive_on],
            death_on=o.death_on,
            hsct_on=o.hsct_on,
            imported=True,
        )
        for o in outcomes
    ]


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the list as one array parameter: the plan of `IN (...)`
    (PostgreSQL reads that as `= ANY(ARRAY[...])`) without Django preparing each of a
    batch's ~1,000 ids one by one, for each of its ~15 queries (~0.6 s an export)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::int8[])", [*lhs_params, [int(i) for i in self.rhs]]


def _any_patient(ids: list[int]) -> _AnyOf:
    """The rows of these patients (the batch's filter)."""
    return _AnyOf(F("patient_id"), ids)


def _recorded_facts(
    cutoff: dt.date,
    *,
    sites: Iterable[int] | None,
    patient_ids: Iterable[int] | None,
    parts: frozenset[Part],
) -> list[PatientFacts]:
    # Values, not model instances: building ~4 instances per patient (randomization,
    # patient, site, screening) cost more than the reading itself.
    randomizations = Randomization.objects.order_by("randomized_at")
    if sites is not None:
        randomizations = randomizations.filter(patient__site__number__in=list(sites))
    if patient_ids is not None:
        randomizations = randomizations.filter(_any_patient(list(patient_ids)))
    facts: dict[int, PatientFacts] = {}
    rows = randomizations.values_list(
        "patient_id",
        "randomized_at",
        "arm",
        "regimen",
        "stratum_levels",
        "patient__study_id",
        "patient__site__number",
        "patient__sex",
        "patient__screening__age_at_consent",
    )
    for pid, randomized_at, arm, regimen, levels, study_id, site, sex, age in rows:
        randomized_on = _local(randomized_at)
        if randomized_on > cutoff:
            continue
        facts[pid] = PatientFacts(
            study_id=study_id,
            site=f"{site:02d}",  # Site.code
            arm=arm,
            regimen=regimen,
            disease_status=levels.get("disease_status", ""),
            sex=sex,
            age=age,
            randomized_on=randomized_on,
        )
    if "history" in parts:
        for pid, history in history_facts(facts).items():
            facts[pid].history = history
    if parts & {"biology", "analysis"}:
        # What eln_risks and baseline_biology read of the patient: its screening's ELN
        # entry and mutation panel (the other ~40 columns made each instance costly).
        screened = {
            patient.pk: patient
            for patient in Patient.objects.select_related("screening")
            .only("pk", "screening__eln_risk", "screening__mutations")
            .filter(_AnyOf(F("pk"), list(facts)))
        }
        if "biology" in parts:
            for pid, risk in eln_risks(screened.values()).items():
                facts[pid].biology = risk
        if "analysis" in parts:
            for pid, screened_patient in screened.items():
                facts[pid].baseline = baseline_biology(screened_patient.screening)
    contacts: dict[int, list[dt.date]] = defaultdict(list)

    def contact(patient_id: int, *days: dt.date | None) -> None:
        contacts[patient_id].extend(d for d in days if d)

    restricted = sites is not None or patient_ids is not None

    def of_these(model: type[Model]) -> QuerySet[Any]:
        """The model's rows, for the loaded patients only when a subset was asked for."""
        return (
            model._default_manager.filter(_any_patient(list(facts)))
            if restricted
            else model._default_manager.all()
        )

    for pid, start, end in of_these(TreatmentCycle).values_list(
        "patient_id", "started_on", "ended_on"
    ):
        contact(pid, start, end)
    for pid, on, category, after, timepoint in (
        of_these(ResponseAssessment)
        .order_by("assessed_on", "pk")
        .values_list("patient_id", "assessed_on", "category", "after_cycle", "timepoint")
    ):
        contact(pid, on)
        if pid in facts:
            facts[pid].assessments.append(Assessment(on, category, after, timepoint))
    for pid, on in of_these(Transplant).values_list("patient_id", "transplanted_on"):
        contact(pid, on)
        if pid in facts:
            facts[pid].hsct_on = on
    for pid, on in of_these(EndOfTreatment).values_list("patient_id", "ended_on"):
        contact(pid, on)
        if pid in facts:
            facts[pid].end_of_treatment_on = on
    if "analysis" in parts:
        _read_for_analysis(facts, cutoff, of_these(MrdAssessment))
    for pid, on, vital, disease in (
        of_these(FollowUpVisit)
        .filter(performed_on__isnull=False)
        .values_list("patient_id", "performed_on", "vital_status", "disease_status")
    ):
        if vital == protocol.VitalStatus.ALIVE:
            contact(pid, on)
        if disease == protocol.FollowUpDiseaseStatus.RELAPSE and pid in facts:
            facts[pid].relapse_dates.append(on)
    for pid, onset, resolved in of_these(AdverseEvent).values_list(
        "patient_id", "onset_on", "resolved_on"
    ):
        contact(pid, onset, resolved)
    for pid, reason, on in of_these(OffStudy).values_list("patient_id", "reason", "event_on"):
        if pid not in facts:
            continue
        if reason == protocol.OffStudyReason.DEATH:
            facts[pid].death_on = on
        else:
            contact(pid, on)  # withdrawal date, or the last date known alive if lost
            facts[pid].left_study_on = on
    for pid, patient in facts.items():
        patient.contact_dates = [
            d for d in contacts[pid] if patient.death_on is None or d <= patient.death_on
        ]
    return list(facts.values())


def _read_for_analysis(
    facts: dict[int, PatientFacts], cutoff: dt.date, mrd: QuerySet[MrdAssessment]
) -> None:
    """Add what only the analyses read: the MRD negativity dates and cycle 1's counts."""
    for pid, on in mrd.filter(method=protocol.MrdMethod.FLOW, negative=True).values_list(
        "patient_id", "assessed_on"
    ):
        if pid in facts:
            facts[pid].mrd_flow_negative_on.append(on)
    for pid, course in lab_courses(patient_ids=list(facts), cutoff=cutoff).items():
        if any(count.cycle_number == 1 for count in course.counts):
            facts[pid].first_cycle_counts = course.derived[0]
