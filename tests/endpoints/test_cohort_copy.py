"""The analysis read's COPY (endpoints/cohort.py): int4 columns and codes travel packed into
64-bit words and come back exactly as PostgreSQL computed them, whatever their sign or size."""

from __future__ import annotations

import pytest
from django.db import connection

from endpoints.cohort import BLOCK_PATIENTS, NO_DAY, _copy

pytestmark = pytest.mark.django_db

INT4_MIN = -(2**31)


def _read(select: str, types: str) -> list[tuple[int, ...]]:
    received: list[tuple[int, ...]] = []

    def on_rows(*columns):
        assert [c.dtype.name for c in columns] == ["int64" if t == "q" else "int32" for t in types]
        received.extend(zip(*(c.tolist() for c in columns), strict=True))

    with connection.cursor() as cursor:
        _copy(cursor.cursor, select, {}, types, on_rows)
    return received


def _values(rows: list[tuple[int, ...]], types: str) -> str:
    cast = {"q": "int8", "i": "int4", "c": "int4"}
    return ", ".join(
        "(" + ", ".join(f"({v})::{cast[t]}" for v, t in zip(row, types, strict=True)) + ")"
        for row in rows
    )


@pytest.mark.parametrize(
    "types",
    [
        "qii",  # two days in one word, low and high halves
        "qiiiii",  # two words of two, one alone
        "qqiccc",  # a randomization: id, instant, day and three codes
        "qicc",  # a follow-up visit: day and two flags
        "qcccccccccc",  # eight codes fill a word, the rest in another
        "qccccic",  # codes then a day: the day low, the codes above it
        "qiqi",  # an int8 between int4 columns stays alone
    ],
)
def test_every_column_comes_back_as_sent(types):
    extremes = {
        "q": [1, 2**40, BLOCK_PATIENTS + 3, 3 * BLOCK_PATIENTS],
        "i": [-5, NO_DAY, INT4_MIN, 0, -1, 20_000],
        "c": [0, 255, 1, 128, 7],
    }
    rows = [
        tuple(
            (row_number + 1) if i == 0 else extremes[t][(row_number + i) % len(extremes[t])]
            for i, t in enumerate(types)
        )
        for row_number in range(12)
    ]
    rows += [(BLOCK_PATIENTS * 2 + 1, *rows[0][1:])]  # another block of patients

    received = _read(f"SELECT * FROM (VALUES {_values(rows, types)}) AS v", types)

    assert sorted(received) == sorted(rows)
