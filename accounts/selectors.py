"""Reads about sites and staff accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from accounts.models import LockoutRelease, Role, Site, User
from accounts.permissions import user_can_enter_data, user_is_site_bound, user_sees_every_site


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Return the sites whose patients this account may see."""
    if user_is_site_bound(user):
        return user.sites.all()
    if user_sees_every_site(user):
        return Site.objects.all()
    return Site.objects.none()  # an account without a role sees no patient


def sites_for_data_entry(user: User) -> QuerySet[Site]:
    """Return the active sites where this account may screen and enter data."""
    if not user_can_enter_data(user):
        return Site.objects.none()
    return user.sites.filter(active=True)


def site_chosen(user: User, number: str | None) -> Site | None:
    """The visible site a page's `?site=` names; None when absent. Anything else is a 404."""
    from django.http import Http404

    if not number:
        return None
    if not (number.isascii() and number.isdigit() and len(number) <= 4):
        raise Http404("No such site.")
    site = sites_visible_to(user).filter(number=int(number)).first()
    if site is None:
        raise Http404("No such site among those you may see.")
    return site


# --- Log-in lockouts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    """A username locked at one client address, and until when."""

    username: str
    ip_address: str | None
    failures: int
    last_failure_at: dt.datetime
    locked_until: dt.datetime
    account: User | None


def lockouts_current(*, now: dt.datetime | None = None) -> list[Lockout]:
    """Return the usernames locked now, each at its address, the most recent first."""
    from axes.models import AccessAttempt

    from accounts.lockouts import cool_off_for

    now = now or timezone.now()
    rows = (
        AccessAttempt.objects.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    accounts = User.objects.in_bulk([r["username"] for r in rows], field_name="username")
    lockouts = []
    for row in rows:  # a handful at most: each asks its own cool-off
        until = row["last"] + cool_off_for(
            username=row["username"], ip_address=row["ip_address"], now=now
        )
        if until > now:
            lockouts.append(
                Lockout(
                    username=row["username"],
                    ip_address=row["ip_address"],
                    failures=row["failures"],
                    last_failure_at=row["last"],
                    locked_until=until,
                    account=accounts.get(row["username"]),
                )
            )
    return lockouts


def lockout_releases_recent(*, limit: int = 20) -> QuerySet[LockoutRelease]:
    """Return the latest releases of lockouts, with who released them."""
    return LockoutRelease.objects.select_related("released_by", "user")[:limit]


# --- API tokens ---------------------------------------------------------------------------


def api_token_ttl_for(user: User) -> dt.timedelta:
    """Return how long a new API token of this account lasts.

    People's tokens last API_TOKEN_TTL_HOURS. A sponsor integration account named in
    API_INTEGRATION_ACCOUNTS (a statistics server that cannot log in every morning) gets
    API_INTEGRATION_TOKEN_TTL_DAYS, only while its role is the read-only sponsor role, so a
    long-lived token can never write.
    """
    if user.get_username() in settings.API_INTEGRATION_ACCOUNTS and user.role == Role.SPONSOR:
        return dt.timedelta(days=settings.API_INTEGRATION_TOKEN_TTL_DAYS)
    return dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
