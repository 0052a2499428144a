"""The follow-up schedule as the protocol writes it (pure dates, no database).

After study treatment stops: a visit every 3 months in years 1 and 2 (window ±14 days),
every 6 months after (window ±30 days), until the end of study, 5 years after the trial's
first randomization. Visits are named by months after the end of treatment and fall on
the same day of the calendar month.
"""

from __future__ import annotations

import datetime as dt

import pytest

from visits.schedule import VisitStatus, end_of_study, planned_visits, visit_status

END_OF_TREATMENT = dt.date(2025, 5, 15)
END_OF_STUDY = dt.date(2030, 3, 5)


def _by_month(end_of_treatment_on: dt.date, end_of_study_on: dt.date):
    return {v.month: v for v in planned_visits(end_of_treatment_on, end_of_study_on)}


def test_it_ends_the_study_5_years_after_the_first_randomization():
    assert end_of_study(dt.date(2025, 3, 5)) == dt.date(2030, 3, 5)
    # A first patient randomized on 29 February: 5 years later is the last day of February.
    assert end_of_study(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)


def test_it_plans_a_visit_every_3_months_to_month_24_then_every_6_months():
    months = [v.month for v in planned_visits(END_OF_TREATMENT, END_OF_STUDY)]

    assert months == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54]


def test_it_makes_month_24_the_last_3_monthly_visit_with_a_14_day_window():
    m24 = _by_month(END_OF_TREATMENT, END_OF_STUDY)[24]

    assert m24.target_on == dt.date(2027, 5, 15)
    assert (m24.window_opens_on, m24.window_closes_on) == (
        dt.date(2027, 5, 1),
        dt.date(2027, 5, 29),
    )


def test_it_makes_month_30_the_first_6_monthly_visit_with_a_30_day_window():
    visits = _by_month(END_OF_TREATMENT, END_OF_STUDY)

    assert 27 not in visits
    m30 = visits[30]
    assert m30.target_on == dt.date(2027, 11, 15)
    assert (m30.window_opens_on, m30.window_closes_on) == (
        dt.date(2027, 10, 16),
        dt.date(2027, 12, 15),
    )


def test_it_gives_every_visit_the_window_of_its_phase():
    for visit in planned_visits(END_OF_TREATMENT, END_OF_STUDY):
        half_window = 14 if visit.month <= 24 else 30
        assert visit.target_on - visit.window_opens_on == dt.timedelta(days=half_window)
        assert visit.window_closes_on - visit.target_on == dt.timedelta(days=half_window)


def test_it_stops_at_the_last_visit_before_the_end_of_study():
    visits = planned_visits(END_OF_TREATMENT, END_OF_STUDY)

    # M60 would fall on 15 May 2030, after the end of study on 5 March 2030.
    assert visits[-1].month == 54
    assert visits[-1].target_on == dt.date(2029, 11, 15)


def test_it_keeps_a_visit_falling_exactly_on_the_end_of_study():
    on_the_day = planned_visits(dt.date(2025, 3, 5), dt.date(2030, 3, 5))
    one_day_short = planned_visits(dt.date(2025, 3, 5), dt.date(2030, 3, 4))

    assert (on_the_day[-1].month, on_the_day[-1].target_on) == (60, dt.date(2030, 3, 5))
    assert one_day_short[-1].month == 54


def test_it_counts_calendar_months_from_the_end_of_treatment_not_from_the_last_visit():
    visits = _by_month(dt.date(2025, 1, 31), END_OF_STUDY)

    # No 31 April: M3 is the last day of April, but M6 is back on the 31st.
    assert visits[3].target_on == dt.date(2025, 4, 30)
    assert visits[6].target_on == dt.date(2025, 7, 31)
    assert visits[12].target_on == dt.date(2026, 1, 31)
    assert visits[3].window_opens_on == dt.date(2025, 4, 16)


def test_it_lands_on_29_february_only_in_a_leap_year():
    visits = _by_month(dt.date(2023, 11, 29), dt.date(2030, 1, 1))

    assert visits[3].target_on == dt.date(2024, 2, 29)
    assert visits[15].target_on == dt.date(2025, 2, 28)


def test_it_plans_nothing_when_treatment_ends_too_close_to_the_end_of_study():
    assert planned_visits(dt.date(2030, 1, 10), END_OF_STUDY) == []


# A 3-monthly visit with its target on 15 August 2025: window 1-29 August.
OPENS, CLOSES = dt.date(2025, 8, 1), dt.date(2025, 8, 29)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (dt.date(2025, 7, 31), VisitStatus.UPCOMING),
        (dt.date(2025, 8, 1), VisitStatus.DUE),
        (dt.date(2025, 8, 15), VisitStatus.DUE),
        (dt.date(2025, 8, 29), VisitStatus.DUE),
        (dt.date(2025, 8, 30), VisitStatus.OVERDUE),
    ],
)
def test_it_says_a_visit_is_due_from_the_day_its_window_opens_to_the_day_it_closes(today, status):
    assert (
        visit_status(
            window_opens_on=OPENS,
            window_closes_on=CLOSES,
            performed_on=None,
            missed=False,
            today=today,
        )
        == status
    )


def test_it_says_a_visit_is_done_once_performed_even_after_its_window():
    assert (
        visit_status(
            window_opens_on=OPENS,
            window_closes_on=CLOSES,
            performed_on=dt.date(2025, 9, 3),
            missed=False,
            today=dt.date(2025, 10, 1),
        )
        == VisitStatus.DONE
    )


def test_it_says_a_visit_marked_missed_is_missed_not_overdue():
    assert (
        visit_status(
            window_opens_on=OPENS,
            window_closes_on=CLOSES,
            performed_on=None,
            missed=True,
            today=dt.date(2025, 10, 1),
        )
        == VisitStatus.MISSED
    )
