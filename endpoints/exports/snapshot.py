"""One consistent snapshot for every export: raw tables, ADaM datasets and ODM."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from django.db import connection, transaction

T = TypeVar("T")


def snapshot(rows: Callable[[], Iterable[T]]) -> Iterator[T]:
    """Yield the rows of `rows()`, read inside one REPEATABLE READ transaction.

    However long the download takes, every query of the export sees the data as it was at
    its first query. Read-only: nothing is locked, and a client that goes away only closes
    the generator, which ends the transaction. Inside a caller's transaction (a test's, a
    task's) the caller's snapshot is the one read.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:  # the isolation level can only be set before the first query
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Raw tables are read through a server-side cursor, which PostgreSQL plans for
            # the first 10% of rows by default; an export reads them all.
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield from rows()
