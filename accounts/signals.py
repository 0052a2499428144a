"""Record log-ins, failed log-ins and log-outs in the access log; end an account's API
tokens when its password changes or it is deactivated.

Signals are used only to observe authentication and account saves, which Django announces
this way (a password is changed by the admin, `changepassword` or a password form, none of
which calls a service of ours); the writes themselves are the services'.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.models import AccessEvent, User
from accounts.services import access_event_record, api_tokens_revoke_all


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
    # django-axes refused the attempt before any password check when it flags the request
    # locked out without having counted a failure (accounts/lockouts.py counts failures only).
    refused = getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    access_event_record(
        kind=AccessEvent.Kind.LOCKED_OUT if refused else AccessEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        user=None,
        request=request,
    )


@receiver(pre_save, sender=User)
def _on_account_save(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A new password or a deactivation ends every API token the account holds."""
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login stamp of every log-in
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    # set_password() leaves the new password in `_password` until the save; a re-hash of the
    # same password at log-in (stronger hasher settings) does not, and ends nothing.
    new_password = stored["password"] != instance.password and (
        getattr(instance, "_password", None) is not None or not instance.has_usable_password()
    )
    if new_password or (stored["is_active"] and not instance.is_active):
        api_tokens_revoke_all(user=instance)
