"""The screening log opens on its newest patients: the database reads them from an index
on the screening date, not by sorting every screening of the trial (its first page costs the
same at 200 patients as at 10,000)."""

from __future__ import annotations

from django.db import connection, transaction

from dashboard.selectors import LOG_PAGE_SIZE, LOG_SORT_DEFAULT, LogFilters, screening_log_filtered


def test_the_newest_screenings_are_read_from_an_index(data_manager):
    page = screening_log_filtered(data_manager, LogFilters(), LOG_SORT_DEFAULT)[:LOG_PAGE_SIZE]
    sql, params = page.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # empty tables: the plan possible
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "screening_newest_first" in plan
