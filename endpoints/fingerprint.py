"""The data fingerprint of an analysis run, read from the audit trail's hash chain.

Every audited write (a form saved, an outcome imported, a data lock, a correction made with
raw SQL) adds an event row, and the database seals each one at commit into the chain
(audit/chain.py) under a lock, so the chain's head (its last link's number and hash) moves
on every committed write and on nothing else: a page read, an API read or an analysis run
writes no audited row. A few indexed reads give it whatever the trial's size, where hashing
every patient's facts took as long as reading them. The links after a run's head say what
changed since it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Count, Q

from audit.chain import GENESIS, event_tables
from audit.models import ChainLink
from endpoints.models import ImportedOutcome
from randomization.models import Randomization

INSERT = "insert"  # the label django-pghistory gives an event row written by an INSERT


@dataclass(frozen=True)
class DataState:
    """Where the audit trail stood when the data were read: its last link's number and hash,
    and the last event row of each event table."""

    seq: int
    head_hash: str
    last_events: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class DataChanges:
    """What was written since a run read the data: new patients, and every audited change."""

    patients_randomized: int
    records_changed: int

    def __bool__(self) -> bool:
        return self.records_changed > 0


def data_state() -> DataState:
    """Return the audit chain's head and the last event id of every event table: two reads
    by primary key, the second one index lookup per table.

    The chain's head is numbered in commit order, so it tells two states apart whatever
    order the writers took their ids in; the last event ids see the writes of the reading
    transaction itself, which the chain seals only at its commit (a command run within a
    transaction, the tests). Read it in the same snapshot as the data it stands for
    (services.analysis_inputs).
    """
    head = ChainLink.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, head_hash = head if head else (0, GENESIS)
    return DataState(seq, head_hash, _last_events())


def _last_events() -> tuple[int | None, ...]:
    quote = connection.ops.quote_name
    tables = event_tables()
    if not tables:
        return ()
    lookups = ", ".join(f"(SELECT max(pgh_id) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {lookups}")
        return tuple(cursor.fetchone())


def analysis_fingerprint(
    *, cutoff: dt.date, strata_factors: Sequence[str], ties: str, state: DataState
) -> str:
    """SHA-256 of what decides a run's results: its parameters and the data's state."""
    payload = json.dumps(
        {
            "cutoff": cutoff.isoformat(),
            "strata": list(strata_factors),
            "ties": ties,
            "data": [state.seq, state.head_hash, list(state.last_events)],
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _event_model(model: type[models.Model]) -> type[models.Model]:
    """The event model django-pghistory keeps a tracked model's audit trail in."""
    return model.pgh_event_model  # type: ignore[attr-defined]


def data_changes_since(seq: int) -> DataChanges:
    """Count the audited writes after link `seq`, and the patients randomized (or imported)
    among them; as long as the changes since, not the trial."""
    new_patient_events = [_event_model(m) for m in (Randomization, ImportedOutcome)]
    links = ChainLink.objects.filter(seq__gt=seq)
    counts = links.aggregate(
        records=Count("seq"),
        inserted=Count(
            "seq", filter=Q(event_table__in=[e._meta.db_table for e in new_patient_events])
        ),
    )
    randomized = 0
    if counts["inserted"]:
        # Only the insert events of those tables are new patients (not corrections).
        for event_model in new_patient_events:
            sealed = links.filter(event_table=event_model._meta.db_table).values("event_pk")
            randomized += event_model._default_manager.filter(
                pgh_label=INSERT, pk__in=sealed
            ).count()
    return DataChanges(patients_randomized=randomized, records_changed=counts["records"])
