"""Cache-Control: no-store on everything behind the log-in and on every API answer.

Patient data must not stay in a browser's or a proxy's cache after the page is left (a
shared ward computer, the back button after log-out). Static files are answered by
WhiteNoise before this middleware and keep their long caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Read after the view: DRF sets the user of a token-authenticated request then.
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX) or (user is not None and user.is_authenticated):
            if "Cache-Control" in response:
                del response["Cache-Control"]  # a view's own caching does not outlive the session
            add_never_cache_headers(response)
        return response
