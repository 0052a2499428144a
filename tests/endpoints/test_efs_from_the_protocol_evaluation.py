"""EFS and the response rates derive from the protocol's evaluation (PROTOCOL.md, ELN 2017).

EFS: induction failure (no CR/CRi at the protocol evaluation - end of IC induction, after AZA
cycle 3 -, including progression, death or the end of protocol treatment before it), relapse
or death, whichever first; an induction failure is dated at randomization (day 0). ORR, the
CR/CRi rate and the best response count responses to protocol treatment only: assessments up
to the end of treatment or the allo-HSCT, whichever first.

Hand-made courses, recorded through the real services; patient_a is randomized on
5 March 2025 and today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import protocol
from endpoints.analysis import analysis_compute
from endpoints.datasets import (
    Assessment,
    PatientFacts,
    best_response,
    event_free_survival,
    leukaemia_free_survival,
    patient_facts,
    responses_to_protocol_treatment,
)
from tests.visits.builders import (
    randomize,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services

T = protocol.ResponseTimepoint
R = protocol.ResponseCategory
RANDOMIZED_ON = dt.date(2025, 3, 5)
CUTOFF = dt.date(2025, 6, 1)
ACTIVE_DISEASE = {
    "marrow_blasts_pct": Decimal("40"),
    "anc": Decimal("0.3"),
    "platelets": Decimal("20"),
    "circulating_blasts": True,
    "transfusion_dependent": True,
}


def _facts(patient) -> PatientFacts:
    (facts,) = patient_facts(CUTOFF, patient_ids=[patient.pk])
    return facts


def _efs(patient) -> tuple[int, int, dt.date, str]:
    row = event_free_survival(_facts(patient), CUTOFF)
    return row.days, row.event, row.end_on, row.description


def _induction(patient, user) -> None:
    randomize(patient, user, protocol.Regimen.INTENSIVE)
    record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))


def _transplant(patient, user, on: dt.date) -> None:
    services.transplant_record(
        patient=patient,
        user=user,
        values={
            "transplanted_on": on,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
        },
    )


def test_it_does_not_make_an_aplastic_day_14_marrow_the_induction_evaluation(
    patient_a, coordinator
):
    _induction(patient_a, coordinator)
    aplasia = record_response(
        patient_a,
        coordinator,
        dt.date(2025, 3, 19),
        R.MLFS,
        anc=Decimal("0.1"),
        platelets=Decimal("12"),
        transfusion_dependent=True,
    )
    evaluation = record_response(patient_a, coordinator, dt.date(2025, 4, 9), R.CR)

    assert (aplasia.timepoint, evaluation.timepoint) == (T.UNSCHEDULED, T.END_OF_INDUCTION)
    # CR at the end of induction: no induction failure; in remission, censored.
    assert _efs(patient_a) == (35, 0, dt.date(2025, 4, 9), "Censored: last known alive")
    assert best_response(_facts(patient_a), CUTOFF) == R.CR


def test_it_makes_azacitidine_progression_at_cycle_2_an_efs_event_at_randomization(
    patient_a, coordinator
):
    randomize(patient_a, coordinator, protocol.Regimen.AZACITIDINE)
    record_cycle(patient_a, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_cycle(patient_a, coordinator, dt.date(2025, 4, 3), dt.date(2025, 4, 9))
    progression = record_response(
        patient_a, coordinator, dt.date(2025, 4, 25), R.PROGRESSION, **ACTIVE_DISEASE
    )

    assert progression.timepoint == T.UNSCHEDULED  # cycle 3 is not even started
    assert _efs(patient_a) == (
        0,
        1,
        RANDOMIZED_ON,
        "Induction failure: progression before the post-cycle-3 evaluation",
    )
    assert best_response(_facts(patient_a), CUTOFF) == R.PROGRESSION


def test_it_takes_relapse_as_the_efs_event_and_the_cr_before_it_as_best_response(
    patient_a, coordinator
):
    _induction(patient_a, coordinator)
    record_response(patient_a, coordinator, dt.date(2025, 4, 9), R.CR)
    relapse = record_response(
        patient_a, coordinator, dt.date(2025, 5, 5), R.RELAPSE, **ACTIVE_DISEASE
    )
    _transplant(patient_a, coordinator, dt.date(2025, 5, 20))
    after_transplant = record_response(patient_a, coordinator, dt.date(2025, 5, 28), R.CR)
    facts = _facts(patient_a)
    lfs = leukaemia_free_survival(facts, CUTOFF)

    assert (relapse.timepoint, after_transplant.timepoint) == (T.LATER_CYCLE, T.FOLLOW_UP)
    assert _efs(patient_a) == (61, 1, dt.date(2025, 5, 5), "Relapse")
    assert (lfs.start_on, lfs.end_on, lfs.event) == (dt.date(2025, 4, 9), dt.date(2025, 5, 5), 1)
    assert best_response(facts, CUTOFF) == R.CR
    # The CR after the allo-HSCT is the transplant's: not a response to protocol treatment.
    assert [a.on for a in responses_to_protocol_treatment(facts, CUTOFF)] == [
        dt.date(2025, 4, 9),
        dt.date(2025, 5, 5),
    ]


def test_it_does_not_count_a_cr_after_the_transplant_in_the_response_rates(patient_a, coordinator):
    _induction(patient_a, coordinator)
    # MLFS at the end of induction (controlled disease, not a remission), then allo-HSCT.
    record_response(
        patient_a,
        coordinator,
        dt.date(2025, 4, 9),
        R.MLFS,
        anc=Decimal("0.6"),
        platelets=Decimal("40"),
        transfusion_dependent=True,
    )
    _transplant(patient_a, coordinator, dt.date(2025, 4, 20))
    record_response(patient_a, coordinator, dt.date(2025, 5, 28), R.CR)
    facts = _facts(patient_a)

    assert best_response(facts, CUTOFF) == R.MLFS
    assert leukaemia_free_survival(facts, CUTOFF) is None
    assert _efs(patient_a) == (
        0,
        1,
        RANDOMIZED_ON,
        "Induction failure: MLFS at the end-of-induction evaluation",
    )
    pooled = analysis_compute([facts], CUTOFF, [])["responses"]["pooled"]
    # A responder for ORR (CR + CRi + MLFS), not for the CR/CRi rate: the CR is the HSCT's.
    assert (pooled["ORR (CR+CRi+MLFS)"]["responders"], pooled["CR/CRi"]["responders"]) == (1, 0)


def test_it_counts_the_protocol_evaluation_after_an_early_end_of_treatment(patient_a, coordinator):
    _induction(patient_a, coordinator)
    record_end_of_treatment(
        patient_a, coordinator, dt.date(2025, 3, 20), protocol.EndOfTreatmentReason.TOXICITY
    )
    evaluation = record_response(
        patient_a, coordinator, dt.date(2025, 4, 9), R.CR, timepoint=T.END_OF_INDUCTION
    )

    assert evaluation.timepoint == T.END_OF_INDUCTION
    assert best_response(_facts(patient_a), CUTOFF) == R.CR
    assert _efs(patient_a)[1:] == (0, dt.date(2025, 4, 9), "Censored: last known alive")


# --- Without the protocol evaluation ---------------------------------------------------


def _waiting(**overrides) -> PatientFacts:
    """An IC patient with a day-14 marrow, not yet at the end-of-induction evaluation."""
    values = {
        "study_id": "03-001",
        "site": "03",
        "arm": "dex",
        "regimen": "intensive",
        "disease_status": "relapsed",
        "sex": "F",
        "age": 60,
        "randomized_on": RANDOMIZED_ON,
        "assessments": [Assessment(dt.date(2025, 3, 19), R.MLFS, 1, T.UNSCHEDULED)],
        "contact_dates": [dt.date(2025, 3, 19), dt.date(2025, 3, 30)],
    }
    values.update(overrides)
    return PatientFacts(**values)


def test_it_censors_at_last_contact_a_patient_not_yet_at_the_evaluation():
    row = event_free_survival(_waiting(), CUTOFF)

    assert (row.end_on, row.event, row.description) == (
        dt.date(2025, 3, 30),
        0,
        "Censored: protocol evaluation not yet reached",
    )


def test_it_makes_death_before_the_evaluation_an_induction_failure():
    row = event_free_survival(_waiting(death_on=dt.date(2025, 3, 30)), CUTOFF)

    assert (row.days, row.event, row.description) == (
        0,
        1,
        "Induction failure: death before the end-of-induction evaluation",
    )


def test_it_makes_leaving_the_study_before_the_evaluation_an_induction_failure():
    row = event_free_survival(_waiting(left_study_on=dt.date(2025, 3, 30)), CUTOFF)

    assert (row.days, row.event, row.description) == (
        0,
        1,
        "Induction failure: off study before the end-of-induction evaluation",
    )


def test_it_makes_the_end_of_treatment_without_the_evaluation_an_induction_failure():
    row = event_free_survival(_waiting(end_of_treatment_on=dt.date(2025, 3, 30)), CUTOFF)

    assert (row.days, row.event, row.description) == (
        0,
        1,
        "Induction failure: end of treatment before the end-of-induction evaluation",
    )


def test_it_ignores_what_happens_after_the_cutoff():
    row = event_free_survival(_waiting(death_on=dt.date(2025, 6, 10)), CUTOFF)

    assert (row.event, row.description) == (0, "Censored: protocol evaluation not yet reached")


def test_it_keeps_a_remission_reached_before_the_evaluation():
    # AZA: CR after cycle 2, then death before the post-cycle-3 evaluation: the patient
    # reached remission, so the death is the EFS event at its date, not induction failure.
    facts = _waiting(
        regimen="azacitidine",
        assessments=[Assessment(dt.date(2025, 4, 25), R.CR, 2, T.UNSCHEDULED)],
        death_on=dt.date(2025, 5, 10),
    )
    row = event_free_survival(facts, CUTOFF)

    assert (row.end_on, row.event, row.description) == (dt.date(2025, 5, 10), 1, "Death")
