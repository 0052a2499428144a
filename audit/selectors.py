"""Reads of the audit trail, shaped for a person reviewing a record's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from pghistory.models import Events

# Bookkeeping columns that change on every save and say nothing to a reviewer.
_HIDDEN_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "created_by_id",
        "patient_id",
        "screening_id",
        "kind",
        "text",
        "site_id",
        "version",
    }
)

# Columns that name a row to a reader (an eligibility criterion's code and its text).
_SUBJECT_FIELDS = frozenset({"code", "text"})


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change: who, when (UTC), what record, which fields old → new, why."""

    at: dt.datetime
    action: str
    record: str
    username: str | None  # the log-in name: pages of the site only, never an API answer
    by: str | None  # full name, else staff ID (User.display_name): what the API shows
    reason: str | None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    model: str = ""  # the audited model's label, 'patients.CriterionAnswer'
    # What names the row to a reader (a criterion's code and the text it was asked with):
    # pages show it (audit.reading), the API keeps `record`.
    subject: dict[str, str] = field(default_factory=dict)


def history_of(
    *records: Model, withheld: Mapping[str, Collection[str]] | None = None
) -> list[HistoryEntry]:
    """Return the audit entries of these records and of rows that refer to them, oldest first.

    `withheld` names, by model label ('randomization.Randomization'), fields this reader may
    not see: they are left out of the entries, and an update that changed nothing else is
    left out with them.
    """
    withheld = withheld or {}
    # pghistory aggregates references of one model per query: one query per record type.
    by_model: dict[type[Model], list[Model]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    unique = {}
    for same_type in by_model.values():
        for event in Events.objects.references(same_type):
            unique[event.pgh_slug] = event
    # Within one transaction, show the records in the order they were passed, then the rest.
    rank = {model._meta.label: i for i, model in enumerate(by_model)}
    events = sorted(
        unique.values(),
        key=lambda e: (
            e.pgh_created_at,
            rank.get(e.pgh_obj_model, len(rank)),
            e.pgh_model,
            e.pgh_id,
        ),
    )
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context}
    accounts = get_user_model().objects.in_bulk([u for u in user_ids if u])
    usernames = {pk: account.get_username() for pk, account in accounts.items()}
    names = {pk: getattr(account, "display_name", "") for pk, account in accounts.items()}
    entries = []
    for event in events:
        context = event.pgh_context or {}
        not_for_reader = frozenset(withheld.get(event.pgh_obj_model, ()))
        hidden = _HIDDEN_FIELDS | not_for_reader
        if event.pgh_label == "insert":
            changes = {
                k: (None, v)
                for k, v in event.pgh_data.items()
                if k not in hidden and v not in (None, "")
            }
        else:
            changes = {k: tuple(v) for k, v in (event.pgh_diff or {}).items() if k not in hidden}
        if event.pgh_label == "update" and not changes:
            continue
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                action=event.pgh_label,
                record=" ".join(
                    filter(
                        None,
                        [event.pgh_obj_model.split(".")[-1], (event.pgh_data or {}).get("code")],
                    )
                ),
                username=usernames.get(context.get("user")),
                by=names.get(context.get("user")),
                reason=context.get("reason"),
                changes=changes,
                model=event.pgh_obj_model,
                subject={
                    k: str(v)
                    for k, v in (event.pgh_data or {}).items()
                    if k in _SUBJECT_FIELDS and k not in not_for_reader and v not in (None, "")
                },
            )
        )
    return entries
