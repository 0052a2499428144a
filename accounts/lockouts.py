"""The log-in lockout's rules, as django-axes asks for them (settings AXES_*).

A username is locked at one client address only, so wrong passwords sent from elsewhere
never lock the coordinator out at her desk. The cool-off grows with every lockout of that
username at that address within a day: LOGIN_COOLOFF_MINUTES, then twice, four times as
long ..., up to LOGIN_COOLOFF_MAX_HOURS. A successful log-in from the address, or a data
manager's release (LockoutRelease), starts the count again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AccessEvent, LockoutRelease

# How long earlier failures make the next lockout longer.
LOCKOUT_MEMORY = dt.timedelta(days=1)


def client_address(request: HttpRequest) -> str | None:
    """Return the address of the client, as the lockout and the access log know it.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT reverse proxies stand in front of the
    application: then the address the outermost trusted proxy saw, counted from the right of
    X-Forwarded-For (what a client writes to the left of it is not trusted). Anything that is
    not an IP address is ignored, so a forged header cannot break the log.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len([a for a in forwarded if a]) >= proxies:
        address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def _count_since(username: str, ip_address: str | None, now: dt.datetime) -> int:
    """Failed log-ins of this username from this address since the count last started."""
    since = now - LOCKOUT_MEMORY
    last_login = (
        AccessEvent.objects.filter(
            kind=AccessEvent.Kind.LOGIN, username=username, ip_address=ip_address
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    last_release = (
        LockoutRelease.objects.filter(username=username, ip_address=ip_address)
        .order_by("-released_at")
        .values_list("released_at", flat=True)
        .first()
    )
    since = max(t for t in (since, last_login, last_release) if t is not None)
    return AccessEvent.objects.filter(
        kind=AccessEvent.Kind.LOGIN_FAILED,
        username=username,
        ip_address=ip_address,
        occurred_at__gt=since,
    ).count()


def cool_off_for(
    *, username: str | None, ip_address: str | None, now: dt.datetime | None = None
) -> dt.timedelta:
    """Return how long this username stays locked at this address after its last failure.

    django-axes asks while it records a failure (before the access log holds it) and again
    when the next attempt comes. The length steps up on the first failure of a new series
    (the 6th, the 11th ...), so the failure that locks gets the same answer both times.
    """
    base = dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    longest = dt.timedelta(hours=settings.LOGIN_COOLOFF_MAX_HOURS)
    if not username:
        return base
    failures = _count_since(username[:150], ip_address, now or timezone.now())
    earlier_lockouts = max(failures - 1, 0) // settings.AXES_FAILURE_LIMIT
    return min(base * 2 ** min(earlier_lockouts, 20), longest)


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: the cool-off for the username and address of this log-in."""
    from axes.helpers import get_client_username

    if request is None:
        return dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    username = get_client_username(request, getattr(request, "axes_credentials", None))
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    return cool_off_for(username=username, ip_address=address)
