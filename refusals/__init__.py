"""The domain's refusals: what a service raises when it says no, in a coordinator's words.

Services raise these, or Django's own `PermissionDenied` (the role or site may not) and
`Http404` (no such record among those the account may see). Pages show a refusal beside the
form's fields or as a message (refusals.pages); the API's one exception handler
(api/base.py) answers:

    Refused (any ValidationError)   400  field -> messages, shaped by `field_errors()`
    PermissionDenied                403  {"detail": ...}
    Http404                         404  {"detail": ...}
    Conflict                        409  {"detail": ..., <existing_name>: the existing record}

This module sits below every app (audit's version check raises a Refused), so it imports
nothing of the project.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError


def _by_field(exc: ValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}  # DRF's name for errors of no one field


class Refused(ValidationError):
    """A rule of the trial refused the values; nothing was saved (400 with field errors).

    Pages read `message_dict`, keyed by their form's field names. A subclass may shape its
    errors for API clients by overriding `field_errors()`.
    """

    def field_errors(self) -> dict[str, Any]:
        """Return the messages by field, as the API answers them."""
        return _by_field(self)


def field_errors_of(exc: ValidationError) -> dict[str, Any]:
    """Return any ValidationError's messages by field, as the API answers them."""
    return exc.field_errors() if isinstance(exc, Refused) else _by_field(exc)


class Conflict(Exception):
    """The request clashes with what is already recorded, e.g. a patient already randomized.

    Asking again cannot succeed, so it is not a field error: the API answers 409 with the
    message and, when the view declares how to show it, the record already there.
    """

    existing_name: ClassVar[str] = "existing"

    def __init__(self, message: str, *, existing: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.existing = existing

    def __str__(self) -> str:
        return self.message
