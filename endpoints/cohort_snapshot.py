"""A second PostgreSQL connection reading the same snapshot as the analysis read, in a thread.

The read of a million patients is PostgreSQL scanning and aggregating a dozen tables, one
statement after another on one core. A second connection that imports the first one's
snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT) sees exactly the same data, so some
tables can be read beside the others on the second core. Only when the reading transaction
has written nothing (rows it wrote and has not committed, a test's or a caller's, are
invisible to any other connection) and is not within a savepoint (PostgreSQL exports no
snapshot from there). Otherwise the work runs in the calling thread, at the point its
result is asked for, and the two ways give the same columns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Beside(Generic[T]):
    """Run `work(cursor)` on a connection of its own holding `cursor`'s snapshot, in a thread
    started on entering; `result()` waits for it. Without such a connection (the transaction
    has written, or the server refuses), or when asked to read `alone` (a small read, for
    which opening a connection costs more than it saves), `result()` runs it on `cursor`
    itself."""

    def __init__(
        self,
        cursor: Any,
        work: Callable[[Any], T],
        settings: dict[str, str],
        *,
        alone: bool = False,
    ) -> None:
        self.cursor, self.work, self.settings, self.alone = cursor, work, settings, alone
        self._connection: Any = None
        self._thread: threading.Thread | None = None
        self._value: T | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> Beside[T]:
        # PostgreSQL exports no snapshot from within a savepoint (a nested atomic block);
        # an atomic block nested without one (savepoint=False, as the worker's read is
        # within analysis_inputs') is listed as None.
        clean = not self.alone and all(savepoint is None for savepoint in connection.savepoint_ids)
        if clean:
            self.cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
            (clean,) = self.cursor.fetchone()
        if clean:
            self.cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = self.cursor.fetchone()
            try:
                with connection.wrap_database_errors:  # the driver's error as Django's
                    params = connection.get_connection_params()
                    self._connection = connection.get_new_connection(params)
            except OperationalError as error:
                # No connection to spare (max_connections): the work runs on this one.
                logger.warning("Analysis read on one connection: %s", error)
                return self
            self._connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            self._thread = threading.Thread(
                target=self._run, args=(snapshot,), name="analysis-read-beside", daemon=True
            )
            self._thread.start()
        return self

    def _run(self, snapshot: str) -> None:
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                for name, value in self.settings.items():
                    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
                self._value = self.work(cursor)
        except BaseException as error:  # handed to the caller by result()
            self._error = error

    def result(self) -> T:
        if self._thread is None:
            return self.work(self.cursor)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self._thread.join()  # the snapshot must outlive the statements that import it
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
