"""Stored values as people read them: a field's verbose name, a choice's label, dates
dd/mm/yyyy, booleans Yes/No; never a column name or a stored code.

The audit trail keeps what the database holds (column names, choice codes, ISO dates), which
the API and the exports give as they are; the pages of the audit trail and of the data review
read them through these functions. Models are found by their label (apps.get_model), so the
audit trail needs no import of the apps above it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

import protocol
from audit.selectors import HistoryEntry

NOTHING = "—"
YES, NO = _("Yes"), _("No")


# JSON fields whose keys or values are codes of a protocol vocabulary (gene → result,
# stratification factor → level).
# Read when a page is shown, so the labels are in the reader's language.
def _json_value_labels(name: str) -> dict[str, str]:
    choices = {"mutations": protocol.MutationResult, "stratum_levels": protocol.Regimen}.get(name)
    return {str(k): str(v) for k, v in choices.choices} if choices is not None else {}


_JSON_KEY_LABELS: dict[str, dict[str, str]] = {
    "stratum_levels": {
        f: f.replace("_", " ").capitalize() for f in protocol.STRATIFICATION_FACTORS
    },
}

_SUBJECT_MAX = 120  # a row's text, as named in the audit trail's "Record" column

# Translators: what happened to a record, in the audit trail's "Action" column.
_ACTIONS = {
    "insert": pgettext_lazy("audit action", "Created"),
    "update": pgettext_lazy("audit action", "Changed"),
    "delete": pgettext_lazy("audit action", "Deleted"),
}


def model_of(label: str) -> type[models.Model] | None:
    """The model an audit event's label ('patients.Screening') names, if it still exists."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def field_of(model: type[models.Model] | None, name: str) -> models.Field | None:
    """The model's field by name or column ('site_id' names the field 'site')."""
    if model is None:
        return None
    for candidate in (name, name[:-3] if name.endswith("_id") else None):
        if not candidate:
            continue
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):
            return field
    return None


# Words a default verbose name spells in lower case ('sae report') that the trial writes in
# capitals.
_ACRONYMS = {"sae": "SAE", "ae": "AE", "mrd": "MRD", "hsct": "HSCT", "rsi": "RSI", "susar": "SUSAR"}


def _capitalized(text: str) -> str:
    text = " ".join(_ACRONYMS.get(word, word) for word in text.split(" "))
    return text[:1].upper() + text[1:]


def _translated(text: str) -> str:
    """A name or reason in the reader's language: a lazily translated verbose name is
    already; a name Django derived ("year of birth") or a reason a service recorded in
    English is looked up in the catalogue (audit/default_names.py marks them)."""
    return gettext(text) if text else text


def field_label(model: type[models.Model] | None, name: str) -> str:
    """The field's verbose name, capitalized: 'marrow_blasts_pct' → 'Marrow blasts (%)'."""
    field = field_of(model, name)
    if field is None:
        return _capitalized(_translated(name.removesuffix("_id").replace("_", " ")))
    return _capitalized(_translated(str(field.verbose_name)))


def date_text(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else NOTHING


def moment_text(value: dt.datetime | None) -> str:
    """A time stamp in the trial's time zone, dd/mm/yyyy HH:MM with the zone's name."""
    if value is None:
        return NOTHING
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local:%d/%m/%Y %H:%M} {local.tzname() or ''}".strip()


def _level(name: str, key: str, value: Any) -> str:
    """A value of a JSON field; a stratum's level ("relapsed") in the reader's language."""
    text = value_text(None, key, value)
    return _translated(text) if name in _JSON_KEY_LABELS else text


def value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A stored value (as the model holds it, or as the audit trail's JSON keeps it) for
    reading: the choice's label, the related record's kind and number, dd/mm/yyyy, Yes/No;
    '—' for nothing. No query: a page's audit trail costs the same however long it is."""
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if isinstance(value, bool):
        return str(YES) if value else str(NO)
    field = field_of(model, name)
    if field is not None and field.choices:
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))
    if field is not None and field.is_relation and field.related_model is not None:
        if isinstance(value, models.Model):
            return str(value)
        target: Any = field.related_model
        return gettext("%(record)s no. %(number)s") % {
            "record": _capitalized(_translated(str(target._meta.verbose_name))),
            "number": value,
        }
    if isinstance(field, models.DateTimeField) or isinstance(value, dt.datetime):
        moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
        return moment_text(moment) if moment else str(value)
    if isinstance(field, models.DateField) or isinstance(value, dt.date):
        day = value if isinstance(value, dt.date) else parse_date(str(value))
        return date_text(day) if day else str(value)
    if isinstance(value, dict):
        labels = _json_value_labels(name)
        keys = _JSON_KEY_LABELS.get(name, {})
        return ", ".join(
            f"{_translated(str(keys.get(k, k)))}: {labels.get(str(v), _level(name, k, v))}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(value_text(None, name, v) for v in value)
    if isinstance(value, Decimal | float):
        # As the reader writes numbers (32,52 in French); the API keeps the stored value.
        number = Decimal(f"{value:g}") if isinstance(value, float) else value.normalize()
        return number_format(number, force_grouping=False)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str  # the field's verbose name
    old: str
    new: str


@dataclass(frozen=True)
class ReadableEntry:
    """One audited change as the audit trail's page shows it."""

    at: dt.datetime
    action: str  # Created, Changed, Deleted
    record: str  # "Screening", "Criterion answer: No APL (t(15;17))"
    username: str | None
    reason: str | None
    changes: list[Change]


def record_text(model: type[models.Model] | None, entry: HistoryEntry) -> str:
    """What the audited row was, in words: its model's verbose name, and a criterion's text
    (as it was asked) rather than its code."""
    name = entry.model.split(".")[-1] if entry.model else entry.record.split(" ")[0]
    title = _capitalized(_translated(str(model._meta.verbose_name))) if model is not None else name
    # A criterion's text is a message of the catalogue, shown as the screening form asks it.
    text = entry.subject.get("text")
    described = _translated(text) if text else entry.subject.get("code")
    if described and len(described) > _SUBJECT_MAX:
        described = described[: _SUBJECT_MAX - 1].rstrip() + "…"
    return f"{title}: {described}" if described else title


def readable(entries: list[HistoryEntry]) -> list[ReadableEntry]:
    """The audit trail's entries with labels and formatted values instead of codes."""
    shown = []
    for entry in entries:
        model = model_of(entry.model) if entry.model else None
        shown.append(
            ReadableEntry(
                at=entry.at,
                action=str(_ACTIONS.get(entry.action, _capitalized(entry.action))),
                record=record_text(model, entry),
                username=entry.username,
                reason=_translated(entry.reason) if entry.reason else entry.reason,
                changes=[
                    Change(
                        field_label(model, name),
                        value_text(model, name, old),
                        value_text(model, name, new),
                    )
                    for name, (old, new) in entry.changes.items()
                    if name not in entry.subject  # named in the record column instead
                ],
            )
        )
    return shown
