"""A hand-made trial for the safety tables: three treated patients per arm at site 3, every
record made through the services (today is 2 June 2025; randomized on 5 March 2025; one
cycle from 6 to 12 March, so an event is treatment-emergent up to 11 April).

    D1 dex      Hyperglycemia g2 (8 Mar, possible) and g3 (20 Mar, probable): one patient
                in the term; Insomnia g1 (9 Mar, definite); end of treatment for toxicity
                on 30 April.
    D2 dex      Sepsis g4 serious (15 Mar, unlikely; drug withdrawn); "Other, specify:
                Upper gastrointestinal hemorrhage" g3 serious (18 Mar, possible); end of
                treatment on 20 March (investigator's decision).
    D3 dex      Lung infection serious (10 Mar, not related), fatal: death on 22 March.
    C1 control  given dexamethasone in its cycle (a deviation): Hyperglycemia g1 (9 Mar,
                possible); end of treatment on 1 May.
    C2 control  Nausea g2 (7 Mar), Febrile neutropenia g3 serious (10 Mar), Lung infection
                g2 (11 Mar); Fatigue g2 serious on 20 May, after the TEAE window; end of
                treatment on 15 April.
    C3 control  no adverse event; treatment not ended.

The patients randomized on the way to three per arm receive no dose: not in the population.
"""

from __future__ import annotations

import datetime as dt

import protocol
from accounts.models import Site, User
from patients.models import Patient
from tests.factories import screen_patient
from tests.visits.builders import (
    contradicts_arm,
    death_values,
    dexamethasone_relatedness,
    randomize,
    record_cycle,
    record_end_of_treatment,
)
from visits import services
from visits.models import AdverseEvent

CYCLE_STARTS = dt.date(2025, 3, 6)
CYCLE_ENDS = dt.date(2025, 3, 12)
R = protocol.Relatedness
NA = R.NOT_APPLICABLE


def by_arm(site: Site, user: User, per_arm: int) -> dict[str, list[Patient]]:
    """Randomize patients until each arm has `per_arm` (permuted blocks: a few extra)."""
    arms: dict[str, list[Patient]] = {"dex": [], "control": []}
    while min(len(patients) for patients in arms.values()) < per_arm:
        patient = screen_patient(site=site, user=user)
        arms[randomize(patient, user).arm].append(patient)
    return {arm: patients[:per_arm] for arm, patients in arms.items()}


def adverse_event(
    patient: Patient,
    user: User,
    onset_on: dt.date,
    term: str,
    grade: int,
    *,
    dex: str,
    salvage: str = R.NOT_RELATED,
    serious: bool = False,
    action: str = protocol.ActionTaken.NONE,
    specified: str = "",
    resolved_on: dt.date | None = None,
) -> AdverseEvent:
    return services.adverse_event_record(
        patient=patient,
        user=user,
        values={
            "term": term,
            "term_specified": specified,
            "grade": grade,
            "serious": serious,
            "onset_on": onset_on,
            "resolved_on": resolved_on,
            "related_to_dexamethasone": dex,
            "related_to_salvage": salvage,
            "action_taken": action,
        },
    )


def treated_with_adverse_events(site: Site, user: User, count: int) -> None:
    """`count` patients randomized and treated, each with a serious grade 3 sepsis and a
    grade 1 nausea on day 4 (the query-count tests add patients alike)."""
    for _ in range(count):
        patient = screen_patient(site=site, user=user)
        randomize(patient, user)
        record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
        onset = dt.date(2025, 3, 9)
        dex = dexamethasone_relatedness(patient, onset)
        adverse_event(patient, user, onset, "Sepsis", 3, dex=dex, serious=True)
        adverse_event(patient, user, onset, "Nausea", 1, dex=dex)


def hand_made_trial(site: Site, user: User) -> dict[str, Patient]:
    arms = by_arm(site, user, 3)
    d1, d2, d3 = arms["dex"]
    c1, c2, c3 = arms["control"]
    for patient in (d1, d2, d3, c2, c3):
        record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
    record_cycle(c1, user, CYCLE_STARTS, CYCLE_ENDS, **contradicts_arm(c1.randomization))

    adverse_event(d1, user, dt.date(2025, 3, 8), "Hyperglycemia", 2, dex=R.POSSIBLE)
    adverse_event(d1, user, dt.date(2025, 3, 20), "Hyperglycemia", 3, dex=R.PROBABLE)
    adverse_event(d1, user, dt.date(2025, 3, 9), "Insomnia", 1, dex=R.DEFINITE)
    record_end_of_treatment(d1, user, dt.date(2025, 4, 30), protocol.EndOfTreatmentReason.TOXICITY)

    adverse_event(
        d2,
        user,
        dt.date(2025, 3, 15),
        "Sepsis",
        4,
        dex=R.UNLIKELY,
        salvage=R.PROBABLE,
        serious=True,
        action=protocol.ActionTaken.WITHDRAWN,
        resolved_on=dt.date(2025, 3, 25),
    )
    adverse_event(
        d2,
        user,
        dt.date(2025, 3, 18),
        "Other, specify",
        3,
        dex=R.POSSIBLE,
        salvage=R.UNLIKELY,
        serious=True,
        action=protocol.ActionTaken.INTERRUPTED,
        specified="Upper gastrointestinal hemorrhage",
    )
    record_end_of_treatment(
        d2, user, dt.date(2025, 3, 20), protocol.EndOfTreatmentReason.INVESTIGATOR
    )

    lung = adverse_event(
        d3, user, dt.date(2025, 3, 10), "Lung infection", 4, dex=R.NOT_RELATED,
        salvage=R.PROBABLE, serious=True,
    )  # fmt: skip
    services.off_study_record(
        patient=d3,
        user=user,
        values=death_values(dt.date(2025, 3, 22), protocol.DeathCause.ADVERSE_EVENT),
        fatal_adverse_event=lung,
    )

    adverse_event(c1, user, dt.date(2025, 3, 9), "Hyperglycemia", 1, dex=R.POSSIBLE)
    record_end_of_treatment(c1, user, dt.date(2025, 5, 1))

    adverse_event(c2, user, dt.date(2025, 3, 7), "Nausea", 2, dex=NA, salvage=R.PROBABLE)
    adverse_event(
        c2,
        user,
        dt.date(2025, 3, 10),
        "Febrile neutropenia",
        3,
        dex=NA,
        salvage=R.DEFINITE,
        serious=True,
        action=protocol.ActionTaken.DELAYED,
    )
    adverse_event(c2, user, dt.date(2025, 3, 11), "Lung infection", 2, dex=NA, salvage=R.POSSIBLE)
    record_end_of_treatment(c2, user, dt.date(2025, 4, 15))
    adverse_event(
        c2, user, dt.date(2025, 5, 20), "Fatigue", 2, dex=NA, salvage=R.POSSIBLE, serious=True
    )
    return {"D1": d1, "D2": d2, "D3": d3, "C1": c1, "C2": c2, "C3": c3}
