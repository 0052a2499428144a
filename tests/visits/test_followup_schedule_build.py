"""The stored follow-up schedule: built at the end of treatment, moved by a correction of
its date, ended by death, and stopping at the end of study.

patient_a is randomized on 5 March 2025 (the trial's first randomization unless a test adds
an earlier one): the end of study is then 5 March 2030.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import protocol
from tests.factories import screen_patient
from tests.visits.builders import (
    at_noon_in_paris,
    death_values,
    randomize,
    record_cycle,
    treated_patient,
)
from visits import services
from visits.models import FollowUpVisit


def _visits(patient) -> dict[int, FollowUpVisit]:
    return {v.month: v for v in FollowUpVisit.objects.filter(patient=patient)}


def _done(visit: FollowUpVisit, user, on: dt.date) -> FollowUpVisit:
    return services.followup_visit_record(
        visit=visit,
        user=user,
        version=visit.version,
        values={
            "performed_on": on,
            "vital_status": protocol.VitalStatus.ALIVE,
            "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
        },
    )


def _ended_treatment_on(patient_a, coordinator, day: dt.date):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=day,
    )


def test_it_builds_the_schedule_when_the_end_of_treatment_is_recorded(patient_a, coordinator):
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 5, 15))

    visits = _visits(patient)
    assert list(visits) == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54]
    m3 = visits[3]
    assert (m3.target_on, m3.window_opens_on, m3.window_closes_on) == (
        dt.date(2025, 8, 15),
        dt.date(2025, 8, 1),
        dt.date(2025, 8, 29),
    )
    assert visits[54].target_on == dt.date(2029, 11, 15)
    assert not any(v.is_completed for v in visits.values())


def test_it_moves_planned_visits_when_the_end_of_treatment_is_corrected_and_keeps_completed_ones(
    patient_a, coordinator
):
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 3, 20))
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 9, 10)), tick=False):
        visits = _visits(patient)
        _done(visits[3], coordinator, dt.date(2025, 6, 20))
        services.followup_visit_miss(
            visit=visits[6],
            user=coordinator,
            version=visits[6].version,
            missed_reason="In hospital at another centre",
        )
        eot = patient.end_of_treatment

        services.end_of_treatment_update(
            eot=eot,
            user=coordinator,
            version=eot.version,
            values={"ended_on": dt.date(2025, 3, 25)},
            reason="Last dose was on 25/03, not 20/03",
        )

    visits = _visits(patient)
    assert list(visits) == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54]
    # The visit done and the visit missed stay as they were recorded.
    assert (visits[3].target_on, visits[3].performed_on) == (
        dt.date(2025, 6, 20),
        dt.date(2025, 6, 20),
    )
    assert (visits[6].target_on, visits[6].missed_reason) == (
        dt.date(2025, 9, 20),
        "In hospital at another centre",
    )
    # The visits still to do move with the end of treatment.
    m9 = visits[9]
    assert (m9.target_on, m9.window_opens_on, m9.window_closes_on) == (
        dt.date(2025, 12, 25),
        dt.date(2025, 12, 11),
        dt.date(2026, 1, 8),
    )
    assert visits[54].target_on == dt.date(2029, 9, 25)


def test_it_refuses_to_move_the_end_of_treatment_after_a_follow_up_visit_already_done(
    patient_a, coordinator
):
    """Follow-up starts after the end of treatment: a visit is refused before it, so the end
    of treatment may not be corrected to a date after a visit already done either."""
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 3, 20))
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 7, 10)), tick=False):
        _done(_visits(patient)[3], coordinator, dt.date(2025, 6, 20))
        eot = patient.end_of_treatment

        with pytest.raises(ValidationError) as refused:
            services.end_of_treatment_update(
                eot=eot,
                user=coordinator,
                version=eot.version,
                values={"ended_on": dt.date(2025, 6, 25)},
                reason="Treatment really ended in June",
            )

    assert "ended_on" in refused.value.message_dict
    eot.refresh_from_db()
    assert eot.ended_on == dt.date(2025, 3, 20)


def test_it_removes_the_planned_visits_after_a_death_between_two_visits(patient_a, coordinator):
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 3, 20))
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 8, 5)), tick=False):
        _done(_visits(patient)[3], coordinator, dt.date(2025, 6, 20))

        # Died on 1 August: after M3 (done), before the M6 window opens on 6 September.
        services.off_study_record(
            patient=patient, user=coordinator, values=death_values(dt.date(2025, 8, 1))
        )

    visits = _visits(patient)
    assert list(visits) == [3]
    assert visits[3].performed_on == dt.date(2025, 6, 20)


def test_it_leaves_no_visit_to_do_when_the_patient_dies_before_the_first_one(
    patient_a, coordinator
):
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 3, 20))

    services.off_study_record(
        patient=patient, user=coordinator, values=death_values(dt.date(2025, 5, 1))
    )

    assert not FollowUpVisit.objects.filter(patient=patient).exists()


def test_it_ends_the_schedule_at_a_consent_withdrawal(patient_a, coordinator):
    patient = _ended_treatment_on(patient_a, coordinator, dt.date(2025, 3, 20))

    services.off_study_record(
        patient=patient,
        user=coordinator,
        values={
            "reason": protocol.OffStudyReason.CONSENT_WITHDRAWN,
            "event_on": dt.date(2025, 5, 1),
            "data_use": protocol.WithdrawnDataUse.UNTIL_WITHDRAWAL,
        },
    )

    assert not FollowUpVisit.objects.filter(patient=patient).exists()


def test_it_plans_a_visit_falling_exactly_on_the_end_of_study(site_a, patient_a, coordinator):
    # The trial's first patient, randomized on 2 December 2024: the study ends 2 December 2029.
    first = screen_patient(
        site=site_a,
        user=coordinator,
        consent_on=dt.date(2024, 11, 28),
        screened_on=dt.date(2024, 11, 29),
        disease_status_on=dt.date(2024, 11, 20),
    )
    randomize(first, coordinator, at=at_noon_in_paris(dt.date(2024, 12, 2)))
    randomize(patient_a, coordinator)
    record_cycle(patient_a, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    # Treatment ends on 2 June 2025: M54 falls on 2 December 2029, the last day of the study.
    services.end_of_treatment_record(
        patient=patient_a,
        user=coordinator,
        values={"ended_on": dt.date(2025, 6, 2), "reason": protocol.EndOfTreatmentReason.COMPLETED},
    )

    visits = list(FollowUpVisit.objects.filter(patient=patient_a).order_by("month"))
    assert (visits[-1].month, visits[-1].target_on) == (54, dt.date(2029, 12, 2))
