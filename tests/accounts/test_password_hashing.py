"""Passwords are hashed with Argon2, and never stored in the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import identify_hasher

from accounts.models import User


def test_it_hashes_new_passwords_with_argon2_in_production():
    from trialsite import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_stores_an_argon2_hash(coordinator):
    assert identify_hasher(coordinator.password).algorithm == "argon2"
    assert settings.PASSWORD_HASHERS  # the tests' cheaper Argon2 keeps the same format


def test_it_keeps_password_hashes_out_of_the_audit_trail(coordinator):
    events = User.pgh_event_model.objects.filter(pgh_obj=coordinator)

    assert events.exists()
    assert not any(hasattr(e, "password") for e in events)
