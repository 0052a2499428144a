"""A read of every patient takes each table in blocks of its pages (endpoints/cohort.py):
every row the snapshot sees comes back once, whatever the number of blocks, and the columns
are those of a read of the same patients by their ids."""

from __future__ import annotations

import pytest
from django.db import connection

from endpoints import cohort
from endpoints.cohort import PAGE_RANGE, Reading, _copy, reading
from tests.endpoints.test_cohort_read_beside import _columns
from tests.endpoints.test_patient_facts_queries import (
    CUTOFF,
    _more_records,
    _with_full_history,
    in_september,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db

ROWS = 20_000  # about 90 pages of 8 kB


@pytest.fixture
def table() -> str:
    """A table of ROWS rows (id, day) over many pages, some rows deleted or changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE pages_read (patient_id int8, on_day int4) ON COMMIT DROP;"
            f"INSERT INTO pages_read SELECT n, n % 1000 - 500 FROM generate_series(1, {ROWS}) n;"
            "DELETE FROM pages_read WHERE patient_id % 7 = 0;"
            # A new version of every 5th row, at the table's end: the old one is dead.
            "UPDATE pages_read SET on_day = -on_day WHERE patient_id % 5 = 0;"
        )
    return "pages_read"


def _blocks(table: str) -> tuple[list[tuple[int, int]], int]:
    rows: list[tuple[int, int]] = []
    blocks = 0

    def on_rows(pid, on_day):
        nonlocal blocks
        blocks += 1
        rows.extend(zip(pid.tolist(), on_day.tolist(), strict=True))

    with connection.cursor() as cursor:
        sql = f"SELECT patient_id, on_day FROM {table} WHERE {PAGE_RANGE}"
        _copy(cursor.cursor, sql, {}, "qi", on_rows, pages_of=table)
    return rows, blocks


def _expected() -> list[tuple[int, int]]:
    return [
        (n, -(n % 1000 - 500) if n % 5 == 0 else n % 1000 - 500)
        for n in range(1, ROWS + 1)
        if n % 7
    ]


@pytest.mark.parametrize("pages", [1, 3, 512])
def test_every_row_the_snapshot_sees_comes_back_once(table, monkeypatch, pages):
    monkeypatch.setattr(cohort, "BLOCK_PAGES", pages)

    rows, blocks = _blocks(table)

    assert sorted(rows) == _expected()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")
        (table_pages,) = cursor.fetchone()
    assert table_pages > 100  # the deleted and changed rows' pages included
    assert blocks == (1 if pages == 512 else pytest.approx(table_pages / pages, abs=1))


def test_an_empty_table_sends_no_block(table):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")

    assert _blocks(table) == ([], 0)


@pytest.mark.usefixtures("in_september")
def test_a_read_by_pages_gives_the_columns_of_a_read_by_patients(site_a, coordinator, monkeypatch):
    """One page a block: every table in several blocks, some without a row of a patient."""
    monkeypatch.setattr(cohort, "BLOCK_PAGES", 1)
    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)

    with reading() as cursor:
        by_pages = Reading(cursor, CUTOFF).cohort()
        by_patients = Reading(cursor, CUTOFF, patients=[p.pk for p in patients]).cohort()

    assert len(by_pages) == 8
    expected = _columns(by_patients)
    assert _columns(by_pages).keys() == expected.keys()
    for name, column in _columns(by_pages).items():
        assert column.tolist() == expected[name].tolist(), name
