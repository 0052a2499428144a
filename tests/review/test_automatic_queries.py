"""Automatic queries: raised by the checks as the data show a finding, closed when it goes.

The checks (review/checks.py) ask about values that pass the edit checks but
deserve a question:
- VISIT_OUT_OF_WINDOW: a follow-up visit done more than 21 days outside its window;
- NO_RESPONSE_AFTER_INDUCTION: no response assessment 45 days after the IC induction ended;
- VISIT_LONG_OVERDUE: a follow-up visit neither done nor missed 60 days after its window.
The nightly refresh raises one query per finding and record, however often it runs, and
closes it by itself once a correction makes the finding go.

Here the induction ran from 6 to 12 March 2025 and treatment ended on 13 March: the M3
visit (target 13 June) has its window from 30 May to 27 June. Today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

import protocol
from review.checks import automatic_queries_refresh
from review.models import DataQuery, QueryStep
from review.services import query_answer, query_close
from review.tasks import automatic_queries_refresh_task
from tests.visits.builders import (
    at_noon_in_paris,
    randomize,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import FollowUpVisit, TreatmentCycle

OUT_OF_WINDOW, NO_RESPONSE, LONG_OVERDUE = (
    "VISIT_OUT_OF_WINDOW",
    "NO_RESPONSE_AFTER_INDUCTION",
    "VISIT_LONG_OVERDUE",
)
ALIVE = protocol.VitalStatus.ALIVE
AUTO_CLOSED = "Closed automatically: the data no longer raise it."
NOTHING = {"raised": 0, "closed": 0}


@pytest.fixture
def induced(ic_patient, coordinator):
    """ic_patient after an induction from 6 to 12 March 2025, no response recorded yet."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


@pytest.fixture
def followed(induced, coordinator):
    """The induced patient in CR on 12 March, treatment ended on 13 March 2025."""
    record_response(induced, coordinator, dt.date(2025, 3, 12))
    record_end_of_treatment(induced, coordinator, dt.date(2025, 3, 13))
    return induced


def _m3(patient) -> FollowUpVisit:
    return FollowUpVisit.objects.get(patient=patient, month=3)


def _record_m3(patient, user, performed_on: dt.date) -> FollowUpVisit:
    return services.followup_visit_record(
        visit=_m3(patient),
        user=user,
        version=_m3(patient).version,
        values={
            "performed_on": performed_on,
            "vital_status": ALIVE,
            "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
        },
    )


def _live(code: str) -> list[DataQuery]:
    return list(DataQuery.objects.filter(check_code=code).exclude(status=DataQuery.Status.CLOSED))


# A visit done far outside its window -------------------------------------------------------


def test_it_asks_about_a_visit_done_more_than_21_days_before_its_window(followed, coordinator):
    m3 = _record_m3(followed, coordinator, dt.date(2025, 5, 1))

    assert automatic_queries_refresh() == {"raised": 1, "closed": 0}

    [query] = _live(OUT_OF_WINDOW)
    assert (query.patient, query.record, query.field_name) == (followed, m3, "performed_on")
    assert (query.kind, query.raised_by, query.status) == (
        DataQuery.Kind.AUTOMATIC,
        None,
        DataQuery.Status.OPEN,
    )
    assert query.text == (
        "Visit M3 done on 01/05/2025, 29 days before its window opened: please confirm the date."
    )
    assert [(s.action, s.by) for s in query.steps.all()] == [(QueryStep.Action.RAISED, None)]


@pytest.mark.parametrize(
    ("performed_on", "asked"),
    [
        (dt.date(2025, 5, 9), False),  # 21 days before the window opens: tolerated
        (dt.date(2025, 5, 8), True),  # 22 days
    ],
)
def test_it_tolerates_up_to_21_days_outside_the_window(followed, coordinator, performed_on, asked):
    _record_m3(followed, coordinator, performed_on)

    automatic_queries_refresh()

    assert len(_live(OUT_OF_WINDOW)) == int(asked)


def test_it_asks_about_a_visit_done_more_than_21_days_after_its_window(followed, coordinator):
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 8, 1)), tick=False):
        _record_m3(followed, coordinator, dt.date(2025, 7, 20))

        automatic_queries_refresh()

    [query] = _live(OUT_OF_WINDOW)
    assert query.text == (
        "Visit M3 done on 20/07/2025, 23 days after its window closed: please confirm the date."
    )


def test_it_closes_the_query_by_itself_once_the_date_is_corrected(followed, coordinator):
    m3 = _record_m3(followed, coordinator, dt.date(2025, 5, 1))
    automatic_queries_refresh()
    [query] = _live(OUT_OF_WINDOW)

    services.followup_visit_record(
        visit=m3,
        user=coordinator,
        values={"performed_on": dt.date(2025, 6, 1)},
        version=m3.version,
        reason="Date mistyped: the visit was on 01/06/2025",
    )
    refreshed = automatic_queries_refresh()

    assert refreshed == {"raised": 0, "closed": 1}
    query.refresh_from_db()
    assert query.status == DataQuery.Status.CLOSED
    assert [(s.action, s.by, s.text) for s in query.steps.all()][-1] == (
        QueryStep.Action.CLOSED,
        None,
        AUTO_CLOSED,
    )
    assert _m3(followed).performed_on == dt.date(2025, 6, 1)


# No response after the induction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "asked"),
    [
        (dt.date(2025, 4, 26), False),  # 45 days after the induction ended on 12 March
        (dt.date(2025, 4, 27), True),
    ],
)
def test_it_asks_for_the_response_45_days_after_the_induction(induced, today, asked):
    automatic_queries_refresh(today)

    assert len(_live(NO_RESPONSE)) == int(asked)


def test_it_raises_the_missing_response_on_the_induction_cycle(induced):
    automatic_queries_refresh()

    [query] = _live(NO_RESPONSE)
    assert (query.record, query.field_name) == (
        TreatmentCycle.objects.get(patient=induced, number=1),
        "",
    )
    assert query.text == (
        "No response assessment recorded after the induction ended on 12/03/2025."
    )


def test_it_does_not_ask_while_the_induction_is_still_running(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6))

    automatic_queries_refresh()

    assert _live(NO_RESPONSE) == []


def test_it_closes_the_missing_response_query_once_a_response_is_recorded(induced, coordinator):
    automatic_queries_refresh()
    [query] = _live(NO_RESPONSE)

    record_response(induced, coordinator, dt.date(2025, 4, 8))

    assert automatic_queries_refresh() == {"raised": 0, "closed": 1}
    query.refresh_from_db()
    assert query.status == DataQuery.Status.CLOSED


# A visit long overdue --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "asked"),
    [
        (dt.date(2025, 8, 26), False),  # the M3 window closed on 27 June: 60 days
        (dt.date(2025, 8, 27), True),  # 61 days
    ],
)
def test_it_asks_about_a_visit_overdue_for_more_than_60_days(followed, today, asked):
    with time_machine.travel(at_noon_in_paris(today), tick=False):
        automatic_queries_refresh()

    overdue = _live(LONG_OVERDUE)
    assert [q.record for q in overdue] == ([_m3(followed)] if asked else [])


def test_it_closes_the_overdue_query_once_the_visit_is_marked_missed(followed, coordinator):
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 8, 27)), tick=False):
        automatic_queries_refresh()
        [query] = _live(LONG_OVERDUE)
        assert query.text == (
            "Visit M3 overdue since 27/06/2025: record it or mark it missed with the reason."
        )

        m3 = _m3(followed)
        services.followup_visit_miss(
            visit=m3,
            user=coordinator,
            version=m3.version,
            missed_reason="Patient moved abroad, not reachable",
        )

        assert automatic_queries_refresh() == {"raised": 0, "closed": 1}
    query.refresh_from_db()
    assert query.status == DataQuery.Status.CLOSED


# However often the checks run -------------------------------------------------------------


def test_it_raises_nothing_new_when_run_twice(followed, coordinator, patient_b, coordinator_b):
    _record_m3(followed, coordinator, dt.date(2025, 5, 1))
    randomize(patient_b, coordinator_b)
    record_cycle(patient_b, coordinator_b, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    first = automatic_queries_refresh()
    # The nightly task runs the same refresh.
    second = automatic_queries_refresh_task()

    assert first == {"raised": 2, "closed": 0}
    assert second == NOTHING
    assert sorted(DataQuery.objects.values_list("patient__study_id", "check_code")) == [
        ("03-001", OUT_OF_WINDOW),
        ("07-001", NO_RESPONSE),
    ]


def test_it_keeps_one_query_per_finding_once_the_site_has_answered(followed, coordinator):
    _record_m3(followed, coordinator, dt.date(2025, 5, 1))
    automatic_queries_refresh()
    [query] = _live(OUT_OF_WINDOW)
    query_answer(user=coordinator, query=query, text="Date confirmed: unscheduled visit.")

    assert automatic_queries_refresh() == NOTHING

    assert list(DataQuery.objects.filter(check_code=OUT_OF_WINDOW)) == [query]
    query.refresh_from_db()
    assert query.status == DataQuery.Status.ANSWERED


def test_it_does_not_raise_again_a_finding_the_data_manager_closed(
    followed, coordinator, data_manager
):
    _record_m3(followed, coordinator, dt.date(2025, 5, 1))
    automatic_queries_refresh()
    [query] = _live(OUT_OF_WINDOW)
    query_answer(user=coordinator, query=query, text="Date confirmed: unscheduled visit.")
    query_close(user=data_manager, query=query, text="Confirmed against the source.")

    assert automatic_queries_refresh() == NOTHING

    assert DataQuery.objects.filter(check_code=OUT_OF_WINDOW).count() == 1
