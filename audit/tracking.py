"""How a clinical record is put under the audit trail.

PostgreSQL triggers (django-pghistory) write an event row for every INSERT, UPDATE and
DELETE, so `QuerySet.update()`, bulk writes and raw SQL are caught as well as `save()`.
The context (user, reason, URL) is copied into the event row itself, and the event table
is append-only: a trigger refuses any UPDATE or DELETE on it.
"""

from __future__ import annotations

import pghistory


def audited(*, exclude: tuple[str, ...] = (), event_table: str | None = None):
    """Return the class decorator that puts a model under the append-only audit trail.

    `event_table` names the event table of a model that moved between apps, so its trail
    stays in the table it was written to.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
        context_field=pghistory.ContextJSONField(),
        append_only=True,
        meta={"db_table": event_table} if event_table else None,
    )
