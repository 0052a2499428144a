"""Leaving the study: death (with its cause), consent withdrawal (with which data may still
be used), loss to follow-up, end of study reached or follow-up completed, once per patient.

Follow-up goes on until death, consent withdrawal, loss to follow-up or the end of study,
whichever first; the end of study is 5 years after the first patient's randomization.
patient_a, randomized on 5 March 2025, is the trial's first unless a test adds an earlier one:
the study then ends on 5 March 2030.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import protocol
from endpoints.datasets import overall_survival, patient_facts
from tests.factories import screen_patient
from tests.visits.builders import (
    at_noon_in_paris,
    death_values,
    randomize,
    record_cycle,
    record_end_of_treatment,
    treated_patient,
)
from visits.models import FollowUpVisit, OffStudy
from visits.services import followup_visit_miss, followup_visit_record, off_study_record

EVENT_ON = dt.date(2025, 4, 20)
WITHDRAWN = protocol.OffStudyReason.CONSENT_WITHDRAWN
END_OF_STUDY = protocol.OffStudyReason.END_OF_STUDY
FOLLOW_UP_COMPLETED = protocol.OffStudyReason.FOLLOW_UP_COMPLETED
STUDY_ENDS_ON = dt.date(2030, 3, 5)
# Treatment ends on 15 May 2025: visits from M3 (15/08/2025) to M54 (15/11/2029, window
# from 16/10 to 15/12/2029), the last before the end of study.
LAST_VISIT_ON = dt.date(2029, 11, 15)


def _refused(patient, user, values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        off_study_record(patient=patient, user=user, values=values)
    assert not OffStudy.objects.exists()
    return refused.value.message_dict


def test_it_requires_the_cause_of_a_death(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, death_values(EVENT_ON, cause=""))

    assert errors == {"death_cause": ["Give the cause of death."]}


def test_it_refuses_a_cause_of_death_for_a_living_patient(ic_patient, coordinator):
    errors = _refused(
        ic_patient,
        coordinator,
        {
            "reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP,
            "event_on": EVENT_ON,
            "death_cause": protocol.DeathCause.UNKNOWN,
        },
    )

    assert errors == {"death_cause": ["Only for a death."]}


def test_it_requires_which_data_may_still_be_used_after_a_consent_withdrawal(
    ic_patient, coordinator
):
    errors = _refused(ic_patient, coordinator, {"reason": WITHDRAWN, "event_on": EVENT_ON})

    assert errors == {"data_use": ["Say which data may still be used."]}


def test_it_accepts_a_consent_withdrawal_with_its_data_use(ic_patient, coordinator):
    off = off_study_record(
        patient=ic_patient,
        user=coordinator,
        values={
            "reason": WITHDRAWN,
            "event_on": EVENT_ON,
            "data_use": protocol.WithdrawnDataUse.UNTIL_WITHDRAWAL,
        },
    )

    assert OffStudy.objects.get(patient=ic_patient) == off


def test_it_refuses_a_data_use_for_anything_but_a_consent_withdrawal(ic_patient, coordinator):
    errors = _refused(
        ic_patient, coordinator, death_values(EVENT_ON, data_use=protocol.WithdrawnDataUse.ALL)
    )

    assert errors == {"data_use": ["Only for a consent withdrawal."]}


@pytest.mark.parametrize(
    ("event_on", "problem"),
    [
        (dt.date(2025, 6, 3), "is in the future"),
        (dt.date(2025, 3, 4), "is before the randomization"),
    ],
)
def test_it_refuses_an_off_study_date_in_the_future_or_before_randomization(
    ic_patient, coordinator, event_on, problem
):
    errors = _refused(ic_patient, coordinator, death_values(event_on))

    assert problem in errors["event_on"][0]


def test_it_takes_a_patient_off_study_once(ic_patient, coordinator):
    off_study_record(
        patient=ic_patient,
        user=coordinator,
        values={"reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP, "event_on": EVENT_ON},
    )

    with pytest.raises(ValidationError) as refused:
        off_study_record(patient=ic_patient, user=coordinator, values=death_values(EVENT_ON))

    assert "Already off study" in refused.value.message_dict["reason"][0]
    assert OffStudy.objects.get(patient=ic_patient).reason == (
        protocol.OffStudyReason.LOST_TO_FOLLOW_UP
    )


# --- End of study reached, follow-up completed ----------------------------------------


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 5, 15),
    )


def _visits(patient) -> list[FollowUpVisit]:
    return list(FollowUpVisit.objects.filter(patient=patient).order_by("month"))


def _every_visit_done_or_missed(patient, user, *, but_the_last: bool = False) -> None:
    """M54 done on its day, every earlier visit missed (the rule counts both alike)."""
    *earlier, last = _visits(patient)
    for visit in earlier:
        followup_visit_miss(
            visit=visit, user=user, missed_reason="Followed by the GP", version=visit.version
        )
    if not but_the_last:
        followup_visit_record(
            visit=last,
            user=user,
            version=last.version,
            values={
                "performed_on": LAST_VISIT_ON,
                "vital_status": protocol.VitalStatus.ALIVE,
                "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
            },
        )


def _leaves(patient, user, reason, event_on) -> OffStudy:
    return off_study_record(
        patient=patient, user=user, values={"reason": reason, "event_on": event_on}
    )


def test_it_accepts_end_of_study_reached_on_the_end_of_study(followed, coordinator):
    with time_machine.travel(at_noon_in_paris(dt.date(2030, 3, 10)), tick=False):
        off = _leaves(followed, coordinator, END_OF_STUDY, STUDY_ENDS_ON)

    assert OffStudy.objects.get(patient=followed) == off
    assert off.get_reason_display() == "End of study reached"


@pytest.mark.parametrize(
    ("today", "event_on"),
    # Any day before the end of study (then the date known alive is before it too).
    [(dt.date(2025, 6, 2), dt.date(2025, 6, 2)), (dt.date(2030, 3, 4), dt.date(2030, 3, 4))],
)
def test_it_refuses_end_of_study_reached_before_the_end_of_study(
    followed, coordinator, today, event_on
):
    with time_machine.travel(at_noon_in_paris(today), tick=False):
        errors = _refused(followed, coordinator, {"reason": END_OF_STUDY, "event_on": event_on})

    assert errors == {
        "event_on": [
            "The study ends on 05/03/2030, 5 years after the first patient's randomization "
            "(05/03/2025): the end of study is reached on or after that date."
        ]
    }


def test_it_stops_the_schedule_at_the_end_of_study(site_a, patient_a, coordinator):
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
    # Treatment ends on 2 June 2025: M54 falls on the end of study, its window open until
    # 1 January 2030.
    record_end_of_treatment(patient_a, coordinator, dt.date(2025, 6, 2))

    with time_machine.travel(at_noon_in_paris(dt.date(2029, 12, 5)), tick=False):
        _leaves(patient_a, coordinator, END_OF_STUDY, dt.date(2029, 12, 2))

    # The visits whose window closed before the end of study stay owed; M54 is not due.
    assert [v.month for v in _visits(patient_a)] == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48]


def test_it_accepts_follow_up_completed_once_every_scheduled_visit_is_done_or_missed(
    followed, coordinator
):
    with time_machine.travel(at_noon_in_paris(dt.date(2029, 12, 20)), tick=False):
        _every_visit_done_or_missed(followed, coordinator)

        off = _leaves(followed, coordinator, FOLLOW_UP_COMPLETED, LAST_VISIT_ON)

    assert off.get_reason_display() == "Follow-up completed"
    assert len(_visits(followed)) == 13


def test_it_refuses_follow_up_completed_while_a_scheduled_visit_is_neither_done_nor_missed(
    followed, coordinator
):
    with time_machine.travel(at_noon_in_paris(dt.date(2029, 12, 20)), tick=False):
        _every_visit_done_or_missed(followed, coordinator, but_the_last=True)

        errors = _refused(
            followed,
            coordinator,
            {"reason": FOLLOW_UP_COMPLETED, "event_on": dt.date(2029, 12, 20)},
        )

    assert errors == {
        "reason": [
            "Follow-up is completed once every scheduled visit is done or missed: M54 is not."
        ]
    }


def test_it_lists_every_visit_still_owed_when_follow_up_completed_is_refused(followed, coordinator):
    errors = _refused(followed, coordinator, {"reason": FOLLOW_UP_COMPLETED, "event_on": EVENT_ON})

    assert errors["reason"] == [
        "Follow-up is completed once every scheduled visit is done or missed: M3, M6, M9, M12, "
        "M15, M18, M21, M24, M30, M36, M42, M48, M54 are not."
    ]


def test_it_refuses_follow_up_completed_without_an_end_of_treatment(ic_patient, coordinator):
    errors = _refused(
        ic_patient, coordinator, {"reason": FOLLOW_UP_COMPLETED, "event_on": EVENT_ON}
    )

    assert errors == {
        "reason": [
            "Follow-up starts at the end of treatment, and none is recorded: there is no "
            "follow-up to complete."
        ]
    }


def test_it_dates_follow_up_completed_no_earlier_than_the_last_visit_done(followed, coordinator):
    with time_machine.travel(at_noon_in_paris(dt.date(2029, 12, 20)), tick=False):
        _every_visit_done_or_missed(followed, coordinator)

        errors = _refused(
            followed,
            coordinator,
            {"reason": FOLLOW_UP_COMPLETED, "event_on": dt.date(2029, 11, 1)},
        )

    assert errors == {
        "event_on": ["The date is the last known alive: not before visit M54, done on 15/11/2029."]
    }


@pytest.mark.parametrize(
    ("reason", "event_on"),
    [(END_OF_STUDY, dt.date(2030, 3, 6)), (FOLLOW_UP_COMPLETED, dt.date(2029, 12, 18))],
)
def test_os_censors_end_of_study_and_follow_up_completed_at_their_date_like_a_withdrawal(
    followed, coordinator, reason, event_on
):
    with time_machine.travel(at_noon_in_paris(dt.date(2030, 3, 10)), tick=False):
        _every_visit_done_or_missed(followed, coordinator)
        _leaves(followed, coordinator, reason, event_on)

    (facts,) = patient_facts(dt.date(2030, 6, 30))
    os_row = overall_survival(facts, dt.date(2030, 6, 30))

    assert (os_row.end_on, os_row.event, os_row.description) == (
        event_on,
        0,
        "Censored: last known alive",
    )
