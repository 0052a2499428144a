"""The life of a query on a value: raised, answered, closed, re-opened.

A data manager (or a monitor of the patient's site) raises a query on a record or one of its
fields; a coordinator of the patient's site answers it (explains, or says what was
corrected); the data manager closes it, or re-opens it if the answer does not settle it,
even after closing. Every step is kept with who took it and when, and the steps can never be
rewritten.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InternalError, transaction

from review.models import DataQuery, QueryStep
from review.services import query_answer, query_close, query_raise, query_reopen

OPEN, ANSWERED, CLOSED = DataQuery.Status.OPEN, DataQuery.Status.ANSWERED, DataQuery.Status.CLOSED
RAISED, ANSWER, CLOSE, REOPEN = (
    QueryStep.Action.RAISED,
    QueryStep.Action.ANSWERED,
    QueryStep.Action.CLOSED,
    QueryStep.Action.REOPENED,
)
DOUBT = "Marrow blasts 32% at screening, but the pathology report says 23%?"


def _moment(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
def query(patient_a, data_manager):
    return query_raise(
        user=data_manager, record=patient_a.screening, field_name="marrow_blasts_pct", text=DOUBT
    )


def _steps(query: DataQuery) -> list[tuple[str, str | None, str]]:
    return [(s.action, s.by.username if s.by else None, s.text) for s in query.steps.all()]


def test_it_raises_a_query_on_one_field_of_a_record(query, patient_a, data_manager):
    stored = DataQuery.objects.get(pk=query.pk)
    assert (stored.patient, stored.record, stored.field_name) == (
        patient_a,
        patient_a.screening,
        "marrow_blasts_pct",
    )
    assert (stored.kind, stored.status, stored.raised_by) == (
        DataQuery.Kind.MANUAL,
        OPEN,
        data_manager,
    )
    assert (stored.text, stored.check_code) == (DOUBT, "")
    assert _steps(stored) == [(RAISED, "dm", DOUBT)]


def test_it_goes_from_raised_to_answered_to_closed_keeping_who_and_when(
    patient_a, data_manager, coordinator, frozen_today
):
    with time_machine.travel(_moment(2), tick=False):
        query = query_raise(
            user=data_manager,
            record=patient_a.screening,
            field_name="marrow_blasts_pct",
            text=DOUBT,
        )
    with time_machine.travel(_moment(4, 15), tick=False):
        query = query_answer(
            user=coordinator,
            query=query,
            text="32% is right: the 23% was a peripheral blood count.",
        )
    assert query.status == ANSWERED
    with time_machine.travel(_moment(5, 9), tick=False):
        query = query_close(user=data_manager, query=query, text="Explanation accepted.")

    assert DataQuery.objects.get(pk=query.pk).status == CLOSED
    assert [(s.action, s.by, s.at, s.text) for s in query.steps.all()] == [
        (RAISED, data_manager, _moment(2), DOUBT),
        (
            ANSWER,
            coordinator,
            _moment(4, 15),
            "32% is right: the 23% was a peripheral blood count.",
        ),
        (CLOSE, data_manager, _moment(5, 9), "Explanation accepted."),
    ]


def test_it_reopens_an_answered_query_for_the_site_to_answer_again(
    query, data_manager, coordinator
):
    query_answer(user=coordinator, query=query, text="Checked, value is right.")

    query = query_reopen(
        user=data_manager, query=query, text="Please attach the pathology report page."
    )

    assert query.status == OPEN
    query = query_answer(user=coordinator, query=query, text="Report filed in the ISF.")
    assert query.status == ANSWERED
    assert _steps(query) == [
        (RAISED, "dm", DOUBT),
        (ANSWER, "coord_a", "Checked, value is right."),
        (REOPEN, "dm", "Please attach the pathology report page."),
        (ANSWER, "coord_a", "Report filed in the ISF."),
    ]


def test_it_reopens_a_closed_query(query, data_manager, coordinator):
    query_answer(user=coordinator, query=query, text="Value is right.")
    query_close(user=data_manager, query=query)

    query = query_reopen(user=data_manager, query=query, text="Closed by mistake.")

    assert DataQuery.objects.get(pk=query.pk).status == OPEN
    assert [action for action, _by, _text in _steps(query)] == [RAISED, ANSWER, CLOSE, REOPEN]


def test_it_lets_the_data_manager_close_an_open_query_without_an_answer(query, data_manager):
    query = query_close(user=data_manager, query=query, text="Raised on the wrong patient.")

    assert query.status == CLOSED
    assert _steps(query)[-1] == (CLOSE, "dm", "Raised on the wrong patient.")


@pytest.mark.parametrize("text", ["", "   "])
def test_it_refuses_a_query_that_says_nothing(patient_a, data_manager, text):
    with pytest.raises(ValidationError) as refused:
        query_raise(user=data_manager, record=patient_a.screening, text=text)

    assert refused.value.message_dict == {"text": ["Say what is doubtful about the value."]}
    assert not DataQuery.objects.exists()


def test_it_refuses_a_query_on_a_field_the_record_does_not_have(patient_a, data_manager):
    with pytest.raises(ValidationError) as refused:
        query_raise(
            user=data_manager, record=patient_a.screening, field_name="platelet", text=DOUBT
        )

    assert refused.value.message_dict == {"field_name": ["Screening has no field 'platelet'."]}
    assert not DataQuery.objects.exists()

    assert not DataQuery.objects.exists()


@pytest.mark.parametrize("text", ["", "  "])
def test_it_refuses_an_empty_answer(query, coordinator, text):
    with pytest.raises(ValidationError) as refused:
        query_answer(user=coordinator, query=query, text=text)

    assert refused.value.message_dict == {
        "text": ["Give the answer: the explanation or the correction."]
    }
    assert DataQuery.objects.get(pk=query.pk).status == OPEN


def test_it_refuses_a_reopening_without_a_reason(query, data_manager):
    query_close(user=data_manager, query=query)

    with pytest.raises(ValidationError) as refused:
        query_reopen(user=data_manager, query=query, text=" ")

    assert refused.value.message_dict == {"text": ["Say why the query is re-opened."]}
    assert DataQuery.objects.get(pk=query.pk).status == CLOSED


# Who may take which step -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "investigator", "monitor_b", "sponsor"])
def test_only_a_data_manager_or_a_monitor_of_the_site_raises_a_query(request, patient_a, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        query_raise(user=user, record=patient_a.screening, text=DOUBT)

    assert not DataQuery.objects.exists()


@pytest.mark.parametrize("who", ["data_manager", "investigator", "monitor", "coordinator_b"])
def test_only_a_coordinator_of_the_patients_site_answers(request, query, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied, match="coordinator of the patient's site"):
        query_answer(user=user, query=query, text="Value is right.")

    assert DataQuery.objects.get(pk=query.pk).status == OPEN
    assert query.steps.count() == 1


@pytest.mark.parametrize("who", ["coordinator", "investigator", "monitor"])
def test_only_a_data_manager_closes_or_reopens(request, query, coordinator, who):
    user = request.getfixturevalue(who)
    query_answer(user=coordinator, query=query, text="Value is right.")

    with pytest.raises(PermissionDenied):
        query_close(user=user, query=query, text="Fine.")
    with pytest.raises(PermissionDenied):
        query_reopen(user=user, query=query, text="Not fine.")

    assert DataQuery.objects.get(pk=query.pk).status == ANSWERED
    assert query.steps.count() == 2


# Steps that make no sense from the current status -----------------------------------------


def test_it_refuses_to_answer_a_query_already_answered(query, coordinator):
    query_answer(user=coordinator, query=query, text="Value is right.")

    with pytest.raises(ValidationError) as refused:
        query_answer(user=coordinator, query=query, text="Really right.")

    assert refused.value.message_dict == {
        "status": ["This query is answered: it cannot be answered."]
    }
    assert query.steps.count() == 2


def test_it_refuses_to_answer_a_closed_query(query, data_manager, coordinator):
    query_close(user=data_manager, query=query)

    with pytest.raises(ValidationError) as refused:
        query_answer(user=coordinator, query=query, text="Value is right.")

    assert refused.value.message_dict == {
        "status": ["This query is closed: it cannot be answered."]
    }


def test_it_refuses_to_close_a_closed_query(query, data_manager):
    query_close(user=data_manager, query=query)

    with pytest.raises(ValidationError) as refused:
        query_close(user=data_manager, query=query)

    assert refused.value.message_dict == {"status": ["This query is closed: it cannot be closed."]}
    assert query.steps.count() == 2


def test_it_refuses_to_reopen_a_query_still_open(query, data_manager):
    with pytest.raises(ValidationError) as refused:
        query_reopen(user=data_manager, query=query, text="Again.")

    assert refused.value.message_dict == {"status": ["This query is open: it cannot be reopened."]}
    assert query.steps.count() == 1


def test_it_judges_the_status_stored_not_the_copy_in_hand(query, data_manager, coordinator):
    """A coordinator answering from a page opened before the data manager closed the query."""
    stale = DataQuery.objects.get(pk=query.pk)
    query_close(user=data_manager, query=query)

    with pytest.raises(ValidationError, match="closed: it cannot be answered"):
        query_answer(user=coordinator, query=stale, text="Value is right.")

    assert DataQuery.objects.get(pk=query.pk).status == CLOSED


# The history cannot be rewritten -----------------------------------------------------------


def test_it_refuses_to_rewrite_a_step(query):
    step = query.steps.get()
    step.text = "Nothing to see here."

    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        step.save()
    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        QueryStep.objects.filter(pk=step.pk).update(by=None)

    assert QueryStep.objects.get(pk=step.pk).text == DOUBT


def test_it_refuses_to_delete_a_step(query):
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        query.steps.get().delete()
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        QueryStep.objects.all().delete()

    assert query.steps.count() == 1
