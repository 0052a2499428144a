"""Whole-trial counts kept in the cache for the state of the data they were read from.

The DMC report's open part and the CONSORT flow count the whole trial: counted by the
database, they still read every patient, so their cost grows with the trial. They depend on
the records, the cut-off, the reader's language and the deployment's settings only (pooled
or not, the same for every reader allowed them). The landing page's counts
(dashboard.selectors.landing_counts) depend on the records and the account, whose id their
name holds, and on no cut-off. So each is kept under a key holding the audit trail's state
(endpoints.fingerprint.data_state: the hash chain's head, numbered in commit order, and the
last event of every event table). Every table they read is audited, and any committed
insert, update or delete moves that state: what is served is never older than the records.

The state is read before the records. A write committed in between gives counts newer than
their key, under a key no later reader asks for (the state only moves on); the other order
could keep older counts under the newer key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from redis.exceptions import RedisError

from endpoints.fingerprint import data_state

T = TypeVar("T")
# A bound on what the key does not see (a deployment changing a setting it does not hold).
KEPT_SECONDS = 60 * 60


def data_state_key(name: str, cutoff: dt.date | None) -> str:
    """Return the cache key of `name` at the cut-off (if it has one), for the data as they
    are now."""
    state = data_state()
    view = [
        name,
        state.seq,
        state.head_hash,
        list(state.last_events),
        cutoff.isoformat() if cutoff is not None else None,
        translation.get_language(),
        settings.TIME_ZONE,
        settings.TRIAL_TARGET_ENROLMENT,
        settings.TRIAL_ACCRUAL_MONTHS,
    ]
    return f"data-state:{name}:" + hashlib.sha256(json.dumps(view).encode()).hexdigest()


def kept_for_data_state(name: str, cutoff: dt.date | None, count: Callable[[], T]) -> T:
    """Return what `count` gives at the cut-off (None: counts of no date), from the cache
    when the data have not changed since it was counted."""
    key = data_state_key(name, cutoff)
    try:
        kept = cache.get(key)
    except RedisError:  # the cache is down: counted as without one
        return count()
    if kept is None:
        kept = count()
        with contextlib.suppress(RedisError):  # not kept: counted again next time
            cache.set(key, kept, KEPT_SECONDS)
    return kept
