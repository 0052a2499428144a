"""API throttling that survives a Redis outage.

DRF's UserRateThrottle keeps each user's request history in the cache, which is Redis: with
Redis down every API call raised and answered 500. This throttle counts in this process's
memory while Redis is unreachable, rather than failing open: a runaway client is still slowed
(each gunicorn process allows the full rate, so the limit is looser by the number of processes),
and the API keeps answering. The outage is logged as a WARNING, at most once a minute per
process, with the number of requests counted locally since the last warning.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)
WARNING_INTERVAL_SECONDS = 60.0

# This process's counts while Redis is away (thread-safe; forgotten when the process ends).
local_counts = LocMemCache("api-throttle-while-redis-is-down", {})


class RedisOutageLog:
    """Warn once per interval that throttling counts locally, not once per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._warned_at: float | None = None
        self._requests_since = 0

    def record(self, error: Exception) -> None:
        with self._lock:
            self._requests_since += 1
            now = time.monotonic()
            if self._warned_at is not None and now - self._warned_at < WARNING_INTERVAL_SECONDS:
                return
            self._warned_at, count, self._requests_since = now, self._requests_since, 0
        logger.warning(
            "Redis is unreachable (%s: %s): API throttling counts in this process's memory "
            "(%s requests since the last warning).",
            type(error).__name__,
            error,
            count,
        )

    def reset(self) -> None:
        """Forget the last warning, so the next outage is reported at once."""
        with self._lock:
            self._warned_at, self._requests_since = None, 0


redis_outage_log = RedisOutageLog()


class UserRateThrottleWithFallback(UserRateThrottle):
    """UserRateThrottle in Redis; in this process's memory when Redis cannot be reached."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            redis_outage_log.record(error)
            self.cache = local_counts
            return super().allow_request(request, view)
