"""Refuse an address holding a control character before any view reads it.

A NUL in a study ID or a filter reached PostgreSQL, which cannot compare it (500). No
address of the trial holds a control character, so one check answers every page and
endpoint: 400 with a message, JSON under /api/.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from refusals.text import ANY_CONTROL_CHARACTER

# English for the API; a page says it in the trial's language (this runs before the user is known).
MESSAGE = gettext_noop(
    "The address holds a control character (such as NUL): nothing was read or saved."
)


def _holds_control_character(request: HttpRequest) -> bool:
    if ANY_CONTROL_CHARACTER.search(request.path):
        return True
    return any(
        ANY_CONTROL_CHARACTER.search(text)
        for name, values in request.GET.lists()
        for text in (name, *values)
    )


class ControlCharactersMiddleware:
    """Answer 400 to a path or query string holding a control character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_control_character(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(_(MESSAGE), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
