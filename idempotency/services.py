"""Creating requests answered once per key: the API's Idempotency-Key, the pages' form token.

A client that did not get the answer to a POST (a timeout, a dropped connection, a double
click) sends it again with the same key: it gets the first answer back and no second record
is made. The key's row is locked while the first request runs, so a duplicate sent at the
same time waits for that answer instead of racing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponseBase
from django.utils import timezone

from accounts.models import User
from idempotency.models import IdempotentRequest

KEPT_FOR = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Earlier:
    """The answer stored for the key; `same_request` unless the key came with another body."""

    stored: IdempotentRequest
    same_request: bool


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """Return the SHA-256 that tells one request from another under the same key."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@transaction.atomic
def request_answer_once(
    *,
    user: User,
    key: str,
    fingerprint: str,
    answer: Callable[[], HttpResponseBase],
    keeps: Callable[[HttpResponseBase], bool],
) -> HttpResponseBase | Earlier:
    """Answer the request, or return the answer stored for the user's key.

    The view runs inside this transaction with the key's row locked: a second request with
    the key waits (on the row's unique index, then its lock) until the first one's answer is
    stored or dropped. An answer `keeps` refuses (a refusal, a form shown again with its
    errors) is dropped, so the key can be used again; an exception drops it too.
    """
    now = timezone.now()
    IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=now - KEPT_FOR).delete()
    IdempotentRequest.objects.bulk_create(
        [IdempotentRequest(user=user, key=key, fingerprint=fingerprint, created_at=now)],
        ignore_conflicts=True,
    )
    row = IdempotentRequest.objects.select_for_update().get(user=user, key=key)
    if row.status_code is not None:
        return Earlier(stored=row, same_request=row.fingerprint == fingerprint)
    response = answer()
    render = getattr(response, "render", None)
    if callable(render):  # a DRF or template response: its content is needed now
        render()
    if response.streaming or not keeps(response):
        row.delete()
        return response
    row.status_code = response.status_code
    row.content_type = response.get("Content-Type", "")
    row.location = response.get("Location", "")
    row.body = response.content  # type: ignore[attr-defined]
    row.save()
    return response


def idempotent_requests_expire(*, now: dt.datetime | None = None) -> int:
    """Forget the answers older than 24 hours; return how many."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
