"""Adverse events are coded with a CTCAE v5.0 term and grade, dated within the patient's
time on study, and resolve on or after their onset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.visits.builders import record_adverse_event
from visits.ctcae import OTHER_SPECIFY
from visits.models import AdverseEvent

ONSET = dt.date(2025, 3, 20)


def _refused(patient, user, **values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(patient, user, values.pop("onset_on", ONSET), **values)
    assert not AdverseEvent.objects.exists()
    return refused.value.message_dict


def test_it_records_an_adverse_event_with_a_ctcae_term(ic_patient, coordinator):
    event = record_adverse_event(
        ic_patient,
        coordinator,
        ONSET,
        term="Febrile neutropenia",
        grade=3,
        resolved_on=dt.date(2025, 3, 27),
    )

    assert (event.display_term, event.grade, event.version) == ("Febrile neutropenia", 3, 1)


def test_it_refuses_a_term_that_is_not_offered(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, term="Feeling poorly")

    assert f"choose '{OTHER_SPECIFY}'" in errors["term"][0]


def test_it_takes_any_other_ctcae_term_as_other_specify(ic_patient, coordinator):
    event = record_adverse_event(
        ic_patient, coordinator, ONSET, term=OTHER_SPECIFY, term_specified="Hiccups"
    )

    assert event.display_term == "Hiccups"


def test_it_requires_the_term_when_other_specify_is_chosen(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, term=OTHER_SPECIFY, term_specified=" ")

    assert errors == {"term_specified": ["Give the CTCAE term."]}


def test_it_refuses_a_specified_term_with_a_listed_term(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, term="Sepsis", term_specified="Klebsiella")

    assert errors == {"term_specified": [f"Only for '{OTHER_SPECIFY}'."]}


def test_it_refuses_an_event_resolving_before_its_onset(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, resolved_on=dt.date(2025, 3, 19))

    assert errors == {"resolved_on": ["Cannot precede the onset."]}


@pytest.mark.parametrize("grade", [0, 6])
def test_it_refuses_a_grade_outside_1_to_5(ic_patient, coordinator, grade):
    errors = _refused(ic_patient, coordinator, grade=grade)

    assert list(errors) == ["grade"]


@pytest.mark.parametrize(
    ("onset_on", "problem"),
    [
        (dt.date(2025, 3, 4), "is before the randomization on 05/03/2025"),
        (dt.date(2025, 6, 3), "is in the future"),
    ],
)
def test_it_refuses_an_onset_outside_the_time_on_study(ic_patient, coordinator, onset_on, problem):
    errors = _refused(ic_patient, coordinator, onset_on=onset_on)

    assert problem in errors["onset_on"][0]
