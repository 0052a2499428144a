"""One place for every creating POST: the API's Idempotency-Key header, the pages' form token.

API (`/api/`): a POST with an `Idempotency-Key` header (1 to 255 visible ASCII characters,
e.g. a UUID) is answered once per user and key for 24 hours: the same key with the same
body gets the stored answer again (with `Idempotent-Replayed: true`), no second record; the
same key with another body is a 422. Only a success (2xx) is kept.

Pages: a creating form carries a one-time token (`{% form_token %}`, templatetags/
form_tokens.py). A second submission of it, a double click or a resend, lands on the
first one's result (its redirect) with a message; only a redirect (a saved form) is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import APIException

from accounts.models import User
from idempotency.services import Earlier, request_answer_once, request_fingerprint

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
FORM_TOKEN_FIELD = "form_token"
API_PREFIX = "/api/"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_NOT_IN_FINGERPRINT = {"csrfmiddlewaretoken", FORM_TOKEN_FIELD}

KEY_MALFORMED = "1 to 255 visible ASCII characters, e.g. a UUID."
KEY_REUSED = (
    "This Idempotency-Key was already used for a different request (another body or "
    "address). Send a new key for a new record; resend the same body to get the first answer."
)
# The pages' messages are translated; the API's stay English (KEY_*).
FORM_SENT_TWICE = gettext_lazy(
    "This form had already been sent and saved; it was not saved a second time."
)
FORM_CHANGED_AFTER_SAVE = gettext_lazy(
    "This form had already been saved; the values sent again were not saved. "
    "Open a new form to record another."
)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.method != "POST":
            return None

        def answer() -> HttpResponseBase:
            return view_func(request, *view_args, **view_kwargs)

        if request.path.startswith(API_PREFIX):
            return _api_answer(request, view_func, answer)
        return _page_answer(request, answer)


def _api_user(request: HttpRequest, view_func: Callable[..., HttpResponseBase]) -> User | None:
    """Authenticate as the DRF view will (token or session): the key belongs to a user.
    None when it fails: the view then answers 401 or 403 itself."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return None
    view = view_class(**getattr(view_func, "initkwargs", {}))
    try:
        user = view.initialize_request(request).user
    except APIException:
        return None
    return user if user.is_authenticated else None


def _api_answer(
    request: HttpRequest,
    view_func: Callable[..., HttpResponseBase],
    answer: Callable[[], HttpResponseBase],
) -> HttpResponseBase | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    user = _api_user(request, view_func)
    if user is None:
        return None
    if not _KEY.fullmatch(key):
        return JsonResponse({HEADER: [KEY_MALFORMED]}, status=400)
    answered = request_answer_once(
        user=user,
        key=key,
        fingerprint=request_fingerprint(
            method="POST", path=request.get_full_path(), body=request.body
        ),
        answer=answer,
        keeps=lambda response: 200 <= response.status_code < 300,
    )
    if not isinstance(answered, Earlier):
        return answered
    if not answered.same_request:
        return JsonResponse({"detail": KEY_REUSED}, status=422)
    stored = answered.stored
    replay = HttpResponse(
        bytes(stored.body), status=stored.status_code, content_type=stored.content_type
    )
    replay[REPLAYED_HEADER] = "true"
    return replay


def _page_answer(
    request: HttpRequest, answer: Callable[[], HttpResponseBase]
) -> HttpResponseBase | None:
    token = request.POST.get(FORM_TOKEN_FIELD)
    if not token or not _KEY.fullmatch(token) or not request.user.is_authenticated:
        return None
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_IN_FINGERPRINT
        for value in values
    )
    answered = request_answer_once(
        user=request.user,
        key=token,
        fingerprint=request_fingerprint(
            method="POST", path=request.path, body=json.dumps(fields).encode()
        ),
        answer=answer,
        keeps=lambda response: (
            response.status_code in (301, 302, 303) and response.has_header("Location")
        ),
    )
    if not isinstance(answered, Earlier):
        return answered
    messages.info(request, FORM_SENT_TWICE if answered.same_request else FORM_CHANGED_AFTER_SAVE)
    return HttpResponseRedirect(answered.stored.location)
