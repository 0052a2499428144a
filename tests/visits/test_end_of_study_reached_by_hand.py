"""A coordinator records "End of study reached" by hand: once the end of study has come,
dated the last day known alive, never before the patient's latest record.

patient_a, randomized on 5 March 2025, is the trial's first: the study ends on 5 March 2030.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import protocol
from tests.visits.builders import at_noon_in_paris, treated_patient
from visits.services import off_study_record

END_OF_STUDY = dt.date(2030, 3, 5)
REACHED = protocol.OffStudyReason.END_OF_STUDY


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 5, 15),
    )


def _leave(patient, user, today, event_on):
    with time_machine.travel(at_noon_in_paris(today), tick=False):
        return off_study_record(
            patient=patient, user=user, values={"reason": REACHED, "event_on": event_on}
        )


def test_the_day_before_the_end_of_study_it_is_refused(followed, coordinator):
    with pytest.raises(ValidationError) as refused:
        _leave(followed, coordinator, END_OF_STUDY - dt.timedelta(days=1), dt.date(2029, 6, 1))

    assert refused.value.message_dict["event_on"] == [
        "The study ends on 05/03/2030, 5 years after the first patient's randomization "
        "(05/03/2025): the end of study is reached on or after that date."
    ]


@pytest.mark.parametrize("today", [END_OF_STUDY, END_OF_STUDY + dt.timedelta(days=1)])
def test_from_the_end_of_study_it_is_dated_the_last_day_known_alive(followed, coordinator, today):
    off = _leave(followed, coordinator, today, dt.date(2029, 6, 1))

    assert (off.reason, off.event_on) == (REACHED, dt.date(2029, 6, 1))


def test_it_is_not_dated_before_the_patients_latest_record(followed, coordinator):
    with pytest.raises(ValidationError) as refused:
        _leave(followed, coordinator, END_OF_STUDY, dt.date(2025, 5, 1))

    assert refused.value.message_dict["event_on"] == [
        "The date is the last known alive: not before the end of treatment, dated 15/05/2025."
    ]
