"""The unread-notice count in every page's header."""

from __future__ import annotations

from django.http import HttpRequest

from notices.selectors import unread_notice_count


def unread_notices(request: HttpRequest) -> dict[str, int]:
    """Return the count of the signed-in account's unread notices (nothing for a visitor)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"UNREAD_NOTICES": unread_notice_count(user)}
