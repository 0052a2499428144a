"""Writes about sites and staff accounts."""

from __future__ import annotations

from collections.abc import Iterable

import pghistory
from django.db import transaction
from django.http import HttpRequest

from accounts.models import AccessEvent, Role, Site, SiteAssignment, User


def access_event_record(
    *, kind: str, username: str, user: User | None, request: HttpRequest | None
) -> AccessEvent:
    """Append one entry to the access log."""
    ip_address = path = None
    if request is not None:
        ip_address = request.META.get("REMOTE_ADDR") or None
        path = request.path[:200]
    return AccessEvent.objects.create(
        kind=kind, username=username, user=user, ip_address=ip_address, path=path or ""
    )


@transaction.atomic
def staff_account_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    sites: Iterable[Site] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a staff account with its role and sites (password hashed with Argon2)."""
    with pghistory.context(reason="Staff account created"):
        user = User(
            username=username,
            role=Role(role),
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
        user.set_password(password)
        user.full_clean()
        user.save()
        SiteAssignment.objects.bulk_create(SiteAssignment(user=user, site=s) for s in sites)
    return user


@transaction.atomic
def staff_role_change(*, user: User, role: Role | str, reason: str) -> User:
    """Change an account's role; the audit trail keeps the old and new role and the reason.

    An empty role takes the account's trial role away (an administrator's account has none).
    """
    with pghistory.context(reason=reason):
        user.role = Role(role) if role else ""
        user.save(update_fields=["role"])
    return user
