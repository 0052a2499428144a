"""The log-in forms of the pages and of the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from refusals.text import no_control_characters


class LogInForm(AuthenticationForm):
    """Django's log-in form, with the username's bound enforced, not only declared.

    AuthenticationForm sets the username's max_length after the field is built, so its
    validator is missing: a 300-character username reached authenticate() and django-axes,
    whose column holds 255 (500). Validated here, it is a form error and no one logs in.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        bound = getattr(username, "max_length", None) or 150  # set from the user model
        username.validators += [MaxLengthValidator(bound), no_control_characters]


class AdminLogInForm(LogInForm, AdminAuthenticationForm):
    """The admin's log-in: the same bound, and only staff accounts (as Django's admin)."""
