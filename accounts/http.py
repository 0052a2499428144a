"""The requests a signed-in page or API call receives (as healthchecks' hc/accounts/http.py).

Types for the checker only, never instantiated: a view behind `login_required` (or an API
behind the default permission, api.base.DataEntryOrReadOnly, which refuses anonymous calls)
annotates its request with one of them, so `request.user` is a staff `User`, not
`User | AnonymousUser`, without a cast in every view.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of an HTML view behind `login_required`."""

    user: User


class AuthenticatedRequest(Request):
    """The request of an API view behind the default permission (signed-in users only)."""

    user: User
