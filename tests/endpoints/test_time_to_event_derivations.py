"""Time-to-event endpoints derived from the records (PROTOCOL.md, Time-to-event endpoints)."""

from __future__ import annotations

import datetime as dt

from endpoints.datasets import (
    Assessment,
    PatientFacts,
    event_free_survival,
    leukaemia_free_survival,
    overall_survival,
    overall_survival_censored_at_transplant,
    relapse_with_competing_death,
)

RANDOMIZED = dt.date(2024, 1, 10)
CUTOFF = dt.date(2024, 12, 31)


def _patient(**overrides) -> PatientFacts:
    values = {
        "study_id": "03-001",
        "site": "03",
        "arm": "dex",
        "regimen": "intensive",
        "disease_status": "relapsed",
        "sex": "F",
        "age": 60,
        "randomized_on": RANDOMIZED,
    }
    values.update(overrides)
    return PatientFacts(**values)


def _days(day: dt.date) -> int:
    return (day - RANDOMIZED).days


def test_it_counts_a_death_before_the_cutoff_as_the_os_event():
    row = overall_survival(_patient(death_on=dt.date(2024, 5, 1)), CUTOFF)

    assert (row.days, row.event, row.censored) == (_days(dt.date(2024, 5, 1)), 1, 0)


def test_it_censors_os_at_the_last_date_known_alive_from_every_contact():
    patient = _patient(
        contact_dates=[dt.date(2024, 3, 1), dt.date(2024, 9, 15), dt.date(2024, 7, 1)]
    )
    row = overall_survival(patient, CUTOFF)

    assert (row.end_on, row.event) == (dt.date(2024, 9, 15), 0)


def test_it_ignores_a_death_after_the_cutoff():
    patient = _patient(contact_dates=[dt.date(2024, 6, 1)], death_on=dt.date(2025, 3, 1))
    row = overall_survival(patient, CUTOFF)

    # Alive at the cut-off (the death came after it): censored at the cut-off.
    assert (row.end_on, row.event) == (CUTOFF, 0)


def test_it_censors_at_randomization_a_patient_never_seen_again():
    row = overall_survival(_patient(), CUTOFF)

    assert (row.days, row.event) == (0, 0)


def test_it_dates_induction_failure_at_randomization_in_efs():
    evaluation = Assessment(dt.date(2024, 2, 20), "resistant", 1, "end_of_induction")
    patient = _patient(assessments=[evaluation], death_on=dt.date(2024, 6, 1))
    row = event_free_survival(patient, CUTOFF)

    assert (row.days, row.event, row.description) == (
        0,
        1,
        "Induction failure: resistant at the end-of-induction evaluation",
    )


# This test was `test_it_judges_azacitidine_induction_after_cycle_three`, which encoded the
# defect of issue 11: it passed because EFS judged induction on "the first assessment after
# cycle 3 started", and left a patient censored whatever happened before it. The protocol
# evaluates AZA after 3 completed cycles, at the post-cycle-3 evaluation; a resistant
# assessment before it decides nothing yet, a progression before it is induction failure
# (tests/endpoints/test_efs_from_the_protocol_evaluation.py has the hand-made courses).
def test_it_waits_for_the_post_cycle_3_evaluation_to_judge_azacitidine_induction():
    early = Assessment(dt.date(2024, 3, 1), "resistant", 2, "unscheduled")
    patient = _patient(
        regimen="azacitidine", assessments=[early], contact_dates=[dt.date(2024, 4, 1)]
    )
    row = event_free_survival(patient, CUTOFF)

    assert (row.end_on, row.event, row.description) == (
        dt.date(2024, 4, 1),
        0,
        "Censored: protocol evaluation not yet reached",
    )


def test_it_makes_azacitidine_progression_before_cycle_three_an_induction_failure():
    progression = Assessment(dt.date(2024, 3, 1), "progression", 2, "unscheduled")
    patient = _patient(
        regimen="azacitidine", assessments=[progression], contact_dates=[dt.date(2024, 4, 1)]
    )
    row = event_free_survival(patient, CUTOFF)

    assert (row.days, row.event, row.description) == (
        0,
        1,
        "Induction failure: progression before the post-cycle-3 evaluation",
    )


def test_it_takes_relapse_or_death_whichever_first_after_remission():
    patient = _patient(
        assessments=[
            Assessment(dt.date(2024, 2, 20), "CR", 1),
            Assessment(dt.date(2024, 8, 1), "relapse", 3),
        ],
        death_on=dt.date(2024, 10, 1),
    )
    efs = event_free_survival(patient, CUTOFF)
    lfs = leukaemia_free_survival(patient, CUTOFF)

    assert (efs.end_on, efs.description) == (dt.date(2024, 8, 1), "Relapse")
    assert (lfs.start_on, lfs.end_on, lfs.event) == (dt.date(2024, 2, 20), dt.date(2024, 8, 1), 1)


def test_it_counts_a_relapse_found_at_a_follow_up_visit():
    patient = _patient(
        assessments=[Assessment(dt.date(2024, 2, 20), "CRi", 1)],
        relapse_dates=[dt.date(2024, 11, 5)],
    )

    assert relapse_with_competing_death(patient, CUTOFF).event == 1


def test_it_gives_lfs_only_to_patients_in_cr_or_cri():
    patient = _patient(assessments=[Assessment(dt.date(2024, 2, 20), "MLFS", 1)])

    assert leukaemia_free_survival(patient, CUTOFF) is None
    assert relapse_with_competing_death(patient, CUTOFF) is None


def test_it_makes_death_in_remission_a_competing_event_for_relapse():
    patient = _patient(
        assessments=[Assessment(dt.date(2024, 2, 20), "CR", 1)], death_on=dt.date(2024, 7, 7)
    )
    row = relapse_with_competing_death(patient, CUTOFF)

    assert (row.event, row.description) == (2, "Death in remission")


def test_it_censors_os_at_transplant_for_the_sensitivity_analysis():
    patient = _patient(hsct_on=dt.date(2024, 4, 1), death_on=dt.date(2024, 9, 1))
    row = overall_survival_censored_at_transplant(patient, CUTOFF)

    assert (row.end_on, row.event, row.description) == (
        dt.date(2024, 4, 1),
        0,
        "Censored: allo-HSCT",
    )
    assert overall_survival(patient, CUTOFF).event == 1


def test_it_censors_at_the_cutoff_a_patient_seen_alive_after_it():
    patient = _patient(contact_dates=[dt.date(2024, 2, 1), dt.date(2025, 1, 15)])

    row = overall_survival(patient, CUTOFF)

    assert (row.end_on, row.event) == (CUTOFF, 0)


def test_it_counts_a_relapse_on_the_day_of_death_as_the_relapse():
    patient = _patient(
        assessments=[
            Assessment(dt.date(2024, 2, 20), "CR", 1),
            Assessment(dt.date(2024, 6, 1), "relapse", 3),
        ],
        death_on=dt.date(2024, 6, 1),
    )

    assert relapse_with_competing_death(patient, CUTOFF).event == 1
