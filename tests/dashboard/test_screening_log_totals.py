"""The screening log's head counts (screened, eligible, screen failures) are counted once:
an unfiltered log's page links take their count from them, a filtered log counts what the
filters keep."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import LogFilters, screening_log_page, screening_log_totals
from tests.factories import all_criteria_met, screen_patient


def _log(site_a, coordinator, *, eligible: int, failures: int) -> None:
    for _ in range(eligible):
        screen_patient(site=site_a, user=coordinator)
    for _ in range(failures):
        # Acute promyelocytic leukaemia: an exclusion criterion met.
        answers = {**all_criteria_met(), "EXC_APL": True}
        screen_patient(site=site_a, user=coordinator, answers=answers)


def test_it_counts_the_log_by_screening_outcome(site_a, coordinator, data_manager, frozen_today):
    _log(site_a, coordinator, eligible=3, failures=2)

    totals = screening_log_totals(data_manager)

    assert (totals.screened, totals.eligible, totals.failures) == (5, 3, 2)


def test_an_unfiltered_page_takes_its_count_from_the_totals(
    site_a, coordinator, data_manager, frozen_today
):
    _log(site_a, coordinator, eligible=3, failures=2)
    totals = screening_log_totals(data_manager)

    with CaptureQueriesContext(connection) as counted_again:
        alone = screening_log_page(data_manager, LogFilters(), "-screened", 1)
    with CaptureQueriesContext(connection) as with_totals:
        page = screening_log_page(data_manager, LogFilters(), "-screened", 1, totals)

    assert page.page.paginator.count == alone.page.paginator.count == 5
    assert [row.patient for row in page.rows] == [row.patient for row in alone.rows]
    assert len(with_totals.captured_queries) == len(counted_again.captured_queries) - 1


def test_a_filtered_page_counts_what_the_filter_keeps(
    site_a, coordinator, data_manager, frozen_today
):
    _log(site_a, coordinator, eligible=3, failures=2)
    totals = screening_log_totals(data_manager)

    page = screening_log_page(
        data_manager, LogFilters(status="screen_failure"), "-screened", 1, totals
    )

    assert page.page.paginator.count == 2
    assert {row.status for row in page.rows} == {"screen_failure"}
