"""The requests a signed-in page or API call receives (as healthchecks' hc/accounts/http.py).

Types for the checker only, never instantiated: a view behind `login_required` (or an API
behind the default permission, api.base.DataEntryOrReadOnly, which refuses anonymous calls)
annotates its request with one of them, so `request.user` is a staff `User`, not
`User | AnonymousUser`, without a cast in every view. `writes_allowed_for` refuses a page's
write to a role that may not make it, before the page reads the input.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of an HTML view behind `login_required`."""

    user: User


class AuthenticatedRequest(Request):
    """The request of an API view behind the default permission (signed-in users only)."""

    user: User


READ_ONLY = _("Your role may read these data but not change them.")


def write_allowed(user: User, question: Callable[[User], bool]) -> None:
    """Refuse (403) a page's write to a role the question of accounts.permissions says no
    to; a page asks it once the patient is found (another site's stays a 404) and before
    it reads any input, as the API's default permission (api.base.DataEntryOrReadOnly)."""
    if not question(user):
        raise PermissionDenied(READ_ONLY)


def writes_allowed_for(
    question: Callable[[User], bool],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a page: a write (POST) by a role the question of accounts.permissions says
    no to is refused (403) before the page reads any input, as the API's default
    permission (api.base.DataEntryOrReadOnly) refuses it. Reads pass."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if request.method == "POST" and not (user.is_authenticated and question(user)):
                raise PermissionDenied(READ_ONLY)
            return view(request, *args, **kwargs)

        return checked

    return decorate
