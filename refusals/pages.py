"""How a page shows a service's refusal: beside the form's fields, or as an error message.

A refusal is never an error page: the person sees what was wrong and tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest

T = TypeVar("T")


def show_on_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's refusal beside the fields it names; the rest above the form."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, errors in by_field.items():
        form.add_error(field if field in form.fields else None, errors)


def attempt(request: HttpRequest, call: Callable[[], T], *, success: str = "") -> T | None:
    """Run a page's service call. Say `success` when it is done; show a refusal's words as
    an error message and return None."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    if success:
        messages.success(request, success)
    return result
