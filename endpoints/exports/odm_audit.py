"""The audit trail of the exported records, read from django-pghistory's event tables.

ODM 1.3.2 lets an ItemGroupData or an ItemData carry one AuditRecord. In a snapshot that
record says how the element came to hold what it holds now: for an item, the change that
gave it its current value (who, when, why); for a record, its latest change. A value that
was entered and later cleared is the clearing change of an empty item. The earlier steps
stay in the audit trail itself, shown on each record's history page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Model, QuerySet

from endpoints.exports.odm_forms import Item, ItemGroup

_NOTHING = object()


@dataclass(frozen=True)
class Change:
    """One audited write: by whom (user id, None for the system), when, why, which event."""

    user_id: int | None
    at: dt.datetime
    reason: str | None
    source: str


def _change(event: Any) -> Change:
    # `event` is one of django-pghistory's event models (untyped: its fields are Any)
    context = event.pgh_context or {}
    return Change(
        user_id=_user_id(context.get("user")),
        at=event.pgh_created_at,
        reason=context.get("reason") or None,
        source=f"{event._meta.label}:{event.pgh_id}",
    )


def _user_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _distinct_models(groups: Iterable[ItemGroup]) -> list[tuple[type[Model], str]]:
    # Two groups may read one model (screening and mutations): its events are read once.
    return sorted(
        {(group.model, group.audit_by) for group in groups}, key=lambda pair: pair[0]._meta.label
    )


def _events(model: type[Model]) -> QuerySet[Any]:
    """Return the audit events of a model's records (django-pghistory's event model)."""
    return cast(Any, model).pgh_event_model.objects.all()


def users_referenced(patients: QuerySet, groups: Iterable[ItemGroup]) -> set[int | None]:
    """Return the ids of the accounts (None: the system) that wrote these patients' records.

    One query, whatever the number of patients: the export lists these users before the
    clinical data that refer to them.
    """
    queries = [
        _events(model)
        .filter(**{f"{audit_by}__in": patients.values("pk")})
        .order_by()
        .values_list("pgh_context__user", flat=True)
        for model, audit_by in _distinct_models(groups)
    ]
    first, *others = queries
    return {_user_id(user) for user in first.union(*others)}


class AuditTrails:
    """The audit events of one batch of patients' records, oldest first for each record."""

    def __init__(self, events: dict[tuple[type[Model], Any], list[Model]]) -> None:
        self._events = events

    @classmethod
    def load(cls, patient_ids: list[int], groups: Iterable[ItemGroup]) -> AuditTrails:
        """Read the events of every audited kind of record: one query per kind."""
        events: dict[tuple[type[Model], Any], list[Model]] = defaultdict(list)
        for model, audit_by in _distinct_models(groups):
            for event in (
                _events(model).filter(**{f"{audit_by}__in": patient_ids}).order_by("pgh_id")
            ):
                events[(model, event.pgh_obj_id)].append(event)
        return cls(events)

    def of_record(self, record: Model) -> Change | None:
        """Return the record's latest change."""
        events = self._events.get((type(record), record.pk))
        return _change(events[-1]) if events else None

    def of_item(self, record: Model, item: Item) -> Change | None:
        """Return the change that gave the item its current value (or emptied it)."""
        last, previous = None, _NOTHING
        for event in self._events.get((type(record), record.pk), ()):
            value = item.read(event)
            entered_empty = previous is _NOTHING and item.value_text(value) is None
            if value != previous and not entered_empty:
                last = event
            previous = value
        return _change(last) if last is not None else None
