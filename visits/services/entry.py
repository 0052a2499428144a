"""The steps every form's entry goes through before the protocol's checks: take only the
form's declared fields, validate each field (type, choices, the plausible range declared in
visits/crfs.py), then run the form's own checks; any refusal saves nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from casebook.declarations import Form, number_text
from visits.state import Errors, PatientRecords, raise_if

RecordT = TypeVar("RecordT", bound=Model)


@dataclass(frozen=True)
class Saved(Generic[RecordT]):
    """A saved record and the warnings its values raised (a dose off the planned one).

    A warning never refuses: the record is saved, and whoever entered it is told at once
    (the page's message, the API answer's `warnings`) to check what they typed.
    """

    record: RecordT
    warnings: tuple[str, ...] = ()


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def values_apply(record: Model, values: Mapping[str, Any], *, allowed: tuple[str, ...]) -> None:
    """Set the given values on the record; a field the form does not enter is refused."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Not a field of this form.")] for name in sorted(unknown)})
    for name, value in values.items():
        setattr(record, name, value)


def _plausible_range_errors(record: Model, form: Form, errors: Errors) -> None:
    """Refuse a value outside its item's plausible range: a slipped digit or a wrong unit.

    A field that already failed its own validation is left with that message alone.
    """
    for item in form.items:
        value = getattr(record, item.name)
        if item.name in errors or item.admits(value):
            continue
        add_error(
            errors,
            item.name,
            _(
                "%(label)s: %(value)s is outside the plausible range of %(range)s. "
                "Check the value and its unit."
            )
            % {
                "label": form.label(item.name),
                "value": number_text(value),
                "range": item.plausible_range,
            },
        )


def field_errors(record: Model, *, form: Form, exclude: tuple[str, ...]) -> Errors:
    """Return what the record's fields say against their values, before any protocol check."""
    errors: Errors = {}
    try:
        record.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    _plausible_range_errors(record, form, errors)
    return errors


def entry_validate(
    record: Model,
    values: Mapping[str, Any],
    *,
    form: Form,
    records: PatientRecords,
    check: Callable[[PatientRecords, Any], Errors],
) -> None:
    """Apply the values, then refuse them (nothing saved) if a field or a rule says no.

    Field validation (types, choices, plausible ranges) comes first; the protocol's checks
    against the patient's other records run on values that passed it.
    """
    values_apply(record, values, allowed=form.entered_fields)
    raise_if(
        field_errors(record, form=form, exclude=("patient", "created_by")) or check(records, record)
    )
