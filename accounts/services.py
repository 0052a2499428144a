"""Writes about sites and staff accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pghistory
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts.lockouts import client_address
from accounts.models import (
    AccessEvent,
    Language,
    LockoutRelease,
    Role,
    Site,
    SiteAssignment,
    User,
)
from accounts.permissions import user_can_release_lockouts
from accounts.selectors import api_token_ttl_for
from refusals import Refused
from refusals.text import has_visible_text


def access_event_record(
    *, kind: str, username: str, user: User | None, request: HttpRequest | None
) -> AccessEvent:
    """Append one entry to the access log."""
    ip_address = path = None
    if request is not None:
        ip_address = client_address(request)
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


# --- Log-in lockouts ----------------------------------------------------------------------


@transaction.atomic
def lockout_release(
    *, username: str, ip_address: str | None, released_by: User, reason: str
) -> LockoutRelease:
    """End a username's lockout at one address early, with who released it and why.

    The release is kept for the audit trail and starts the count that lengthens the next
    lockout again. The failures django-axes counted for that username at that address go.
    """
    from axes.models import AccessAttempt

    if not user_can_release_lockouts(released_by):
        raise PermissionDenied(_("Only a data manager or the trial's administrator may unlock."))
    reason = reason.strip()
    if not has_visible_text(reason):
        raise Refused({"reason": [_("Say why the account is unlocked (checked with whom).")]})
    release = LockoutRelease(
        username=username,
        user=User.objects.filter(username=username).first(),
        ip_address=ip_address,
        released_by=released_by,
        reason=reason,
    )
    release.full_clean()
    release.save()
    # This address only (axes.utils.reset would take every address when there is none).
    AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
    return release


# --- API tokens ---------------------------------------------------------------------------


def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """Issue a new API token for a log-in; return its row and the token, shown this once.

    Only a digest is stored. Each log-in gets a token of its own, ending after the account's
    time to live (api_token_ttl_for).
    """
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()  # ended ones
    ttl: dt.timedelta = api_token_ttl_for(user)
    return AuthToken.objects.create(user=user, expiry=ttl)


def api_token_revoke(*, token: AuthToken) -> None:
    """End one API token now (an API log-out)."""
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """End every API token of the account (a new password, a deactivated account)."""
    count, _ = AuthToken.objects.filter(user=user).delete()
    return count


def user_language_choose(*, user: User, language: str) -> User:
    """Keep the language the user chose for the interface (blank: follow the site's)."""
    if language and language not in Language.values:
        raise Refused({"language": _("Choose French or English.")})
    user.language = language
    user.save(update_fields=["language"])
    return user
