"""Saving a correction to a clinical record: reason for change and version check together.

Every edit after the first save must say why (the reason goes into the audit trail) and
must start from the version the editor saw: if a colleague saved in between, the second
save is refused, never silently overwriting the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pghistory
from django.contrib.auth import get_user_model

# The audit trail sits below accounts: any user model will do.
from django.contrib.auth.models import AbstractBaseUser as User
from django.db.models import F, Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import Events

from audit.time_stamps import time_stamp
from refusals import Refused
from refusals.text import CONTROL_CHARACTER_MESSAGE, CONTROL_CHARACTERS, has_visible_text

# Any audited model: the functions below return the record they were given, typed as given.
R = TypeVar("R", bound=Model)
# A message: translated now, or lazily where it is a constant.
StrOrPromise = str | Promise


# A reason is copied into every audit event of its change: one short paragraph. Every form
# and serializer asking for a reason declares this bound, so the pages and the schema show it.
REASON_MAX_LENGTH = 300
REASON_MISSING = gettext_lazy("Give a reason for the change.")


class ReasonRequired(Refused):
    """An edit of saved data without a reason for change that says something (400 under
    `reason`, or the field the page or API calls it)."""

    def __init__(self, message: StrOrPromise = REASON_MISSING, *, field: str = "reason") -> None:
        super().__init__({field: [message]})


def reason_for_change(
    reason: str | None, *, field: str = "reason", missing: StrOrPromise = REASON_MISSING
) -> str:
    """Return the reason as the audit trail keeps it (stripped), or refuse it.

    The one rule for every reason (corrections, locks, unlocks, unblinding, a missed visit,
    a role change): visible text (whitespace or a zero-width space alone is no reason), no
    control character, at most REASON_MAX_LENGTH characters.
    """
    reason = (reason or "").strip()
    if not has_visible_text(reason):
        raise ReasonRequired(missing, field=field)
    if CONTROL_CHARACTERS.search(reason):
        raise ReasonRequired(CONTROL_CHARACTER_MESSAGE, field=field)
    if len(reason) > REASON_MAX_LENGTH:
        raise ReasonRequired(
            _("Keep the reason to %(limit)s characters (it has %(length)s).")
            % {"limit": REASON_MAX_LENGTH, "length": len(reason)},
            field=field,
        )
    return reason


class VersionConflict(Refused):
    """Somebody else saved the record after this editor opened it: a stale version.

    A conflict, yet a field error under `version` (400), not a 409: pages show it beside
    the form, and API clients have always read it as a field error. The message names who
    saved last and when, from the audit trail, so the editor knows whom to ask.
    """

    def __init__(self, record: Model) -> None:
        who, when = _last_save(record)
        # The zone named, and UTC beside it: an editor in another zone reads the same time.
        stamp = time_stamp(when) if when else None
        super().__init__({"version": [_conflict_message(who, stamp)]})


def _conflict_message(who: str, stamp: Any) -> str:
    """The stale version's message, whole sentences in each case (translators see each)."""
    if stamp is None:
        if who:
            return _(
                "This record was changed by someone else after you opened it: saved by "
                "%(who)s. Nothing was saved: reload it to see their change, then apply yours "
                "again."
            ) % {"who": who}
        return _(
            "This record was changed by someone else after you opened it: saved. Nothing was "
            "saved: reload it to see their change, then apply yours again."
        )
    at = {"date": stamp.date, "time": stamp.time, "zone": stamp.zone, "utc": stamp.utc_time}
    if who:
        return _(
            "This record was changed by someone else after you opened it: saved by %(who)s "
            "on %(date)s at %(time)s %(zone)s (%(utc)s UTC). Nothing was saved: reload it to "
            "see their change, then apply yours again."
        ) % {"who": who, **at}
    return (
        _(
            "This record was changed by someone else after you opened it: saved on %(date)s at "
            "%(time)s %(zone)s (%(utc)s UTC). Nothing was saved: reload it to see their change, "
            "then apply yours again."
        )
        % at
    )


def _last_save(record: Model) -> tuple[str, dt.datetime | None]:
    """Return who saved the record last (their name, else their staff ID) and when.

    Who comes from the audit trail's last event of the record; when from the record's own
    `updated_at`, the time the application stamped on that save.
    """
    stored = type(record)._default_manager.filter(pk=record.pk).values("updated_at").first()
    event = Events.objects.tracks(record).order_by("-pgh_created_at", "-pgh_id").first()
    when = stored["updated_at"] if stored else None
    user_id = (event.pgh_context or {}).get("user") if event is not None else None
    user = get_user_model()._default_manager.filter(pk=user_id).first() if user_id else None
    if user is None:
        return "", when
    # The API answers this message too: a name or staff ID, never a log-in name.
    return getattr(user, "display_name", ""), when


INITIAL_ENTRY = "Initial entry"


def record_create(record: R, *, user: User, reason: str = INITIAL_ENTRY) -> R:
    """Save a new record with its author in the audit trail."""
    with pghistory.context(user=user.pk, reason=reason):
        record.save()
    return record


def records_create(records: Sequence[R], *, user: User, reason: str = INITIAL_ENTRY) -> list[R]:
    """Save new records of one model in one INSERT, each with the audit event and context
    `record_create` gives it (the trail's triggers fire per row): for batch services that
    load many records checked one by one (demo data)."""
    if not records:
        return []
    with pghistory.context(user=user.pk, reason=reason):
        return type(records[0])._default_manager.bulk_create(records)


def record_update(
    record: R, *, fields: Iterable[str], expected_version: int | None, user: User, reason: str
) -> R:
    """Save `fields` of a record if nobody saved it since `expected_version`; bump the version.

    A conditional UPDATE ... WHERE version = expected: atomic in the database, so two
    simultaneous saves cannot both succeed.
    """
    reason = reason_for_change(reason)
    # Every corrected record has `version` and `updated_at` (visits.models.ClinicalRecord),
    # a class this layer below cannot name.
    versioned: Any = record
    if expected_version is None:
        expected_version = versioned.version
    values = {name: getattr(record, name) for name in fields}
    now = timezone.now()
    with pghistory.context(user=user.pk, reason=reason):
        changed = (
            type(record)
            ._default_manager.filter(pk=record.pk, version=expected_version)
            .update(**values, version=F("version") + 1, updated_at=now)
        )
    if not changed:
        raise VersionConflict(record)
    versioned.version = expected_version + 1
    versioned.updated_at = now
    return record
