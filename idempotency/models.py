"""A creating request sent with a key (API header or form token), and the answer it got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """The first answer to a (user, key): the same key again gets this answer, not a second
    record. Kept 24 hours (`KEPT_FOR` in services.py); only answers that created something
    (a 2xx from the API, a redirect from a page) are kept, so a refused request can be
    corrected and sent again with its key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the body: the same key for another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=2000, blank=True)  # a page's redirect
    body = models.BinaryField(default=bytes)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'pending'})"
