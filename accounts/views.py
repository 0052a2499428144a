"""The lockouts page: a data manager or administrator sees who is locked out and unlocks."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Language
from accounts.permissions import user_can_release_lockouts
from accounts.selectors import lockout_releases_recent, lockouts_current
from accounts.services import lockout_release, user_language_choose
from refusals.pages import attempt
from refusals.text import no_control_characters


class LockoutReleaseForm(forms.Form):
    username = forms.CharField(max_length=150, validators=[no_control_characters])
    ip_address = forms.GenericIPAddressField(required=False)
    reason = forms.CharField(max_length=300, validators=[no_control_characters])


@login_required
@require_http_methods(["GET", "POST"])
def lockouts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Usernames locked at an address now; unlocking one needs a reason, kept with who did it."""
    if not user_can_release_lockouts(request.user):
        raise PermissionDenied(_("Data managers and the trial's administrators unlock accounts."))
    if request.method == "POST":
        form = LockoutReleaseForm(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            attempt(
                request,
                lambda: lockout_release(
                    username=values["username"],
                    ip_address=values["ip_address"] or None,
                    released_by=request.user,
                    reason=values["reason"],
                ),
                success=_("%(username)s may log in again from that address.")
                % {"username": values["username"]},
            )
        else:
            messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("lockouts")
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": lockouts_current(),
            "releases": lockout_releases_recent(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
    )


@require_http_methods(["POST"])
def language_choose(request: HttpRequest) -> HttpResponse:
    """Switch the interface's language and stay on the page. A signed-in user's choice is
    kept on the account (every browser, every session); before log-in, on this browser."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        return HttpResponseBadRequest(_("Choose French or English."))
    if request.user.is_authenticated:
        user_language_choose(user=request.user, language=language)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("dashboard")
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
