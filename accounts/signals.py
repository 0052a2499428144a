"""Record log-ins, failed log-ins and log-outs in the access log.

Signals are used only to observe authentication, which Django announces this way;
the record itself is written by the service.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import AccessEvent
from accounts.services import access_event_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    access_event_record(
        kind=AccessEvent.Kind.LOGIN, username=user.get_username(), user=user, request=request
    )


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        access_event_record(
            kind=AccessEvent.Kind.LOGOUT, username=user.get_username(), user=user, request=request
        )


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    access_event_record(
        kind=AccessEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        user=None,
        request=request,
    )
