"""The request's language (accounts/language.py) for the views and templates, and the
session's idle timeout kept without writing the session on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from accounts.language import language_for_request

# When the session's expiry was last pushed forward (seconds since the epoch).
SESSION_REFRESHED_KEY = "_idle_timeout_refreshed_at"


class SessionIdleTimeoutMiddleware:
    """Push an active session's expiry forward (SESSION_COOKIE_AGE, 30 minutes idle) at most
    once every SESSION_REFRESH_SECONDS, rather than saving the session on every request.

    Why: saving on every request (SESSION_SAVE_EVERY_REQUEST) made each page view a write
    transaction on the sessions table, about 5% of the app's time under load. The timeout
    stays within that many seconds of 30 minutes after the last activity. A visitor who is
    not logged in gets no session: only a logged-in session is refreshed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:  # a logged-in session (reading it loads it)
            now = int(time.time())
            refreshed = session.get(SESSION_REFRESHED_KEY)
            # A clock set back since counts as stale too.
            stale = not isinstance(refreshed, int) or not (
                0 <= now - refreshed < settings.SESSION_REFRESH_SECONDS
            )
            if stale:
                session[SESSION_REFRESHED_KEY] = now  # modified: saved with a new expiry
        return self.get_response(request)


class InterfaceLanguageMiddleware:
    """Like Django's LocaleMiddleware, but the language follows the account and its site,
    not the browser's Accept-Language (a French hospital's browser may well be in English)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
