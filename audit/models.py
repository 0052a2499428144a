"""The audit trail's seal: a hash chain over every event row, and the digests of its head.

Both tables are written only by database functions (audit/migrations/0001_initial.py), never
by the application: the linking trigger runs as the owner of the tables, and the application's
database role may only read them (`audit.chain.READ_ONLY_FOR_APP`).
"""

from __future__ import annotations

from django.db import models


class ChainLink(models.Model):
    """One event row sealed into the chain: its digest, and a hash over the previous link's.

    `seq` has no gaps: a missing number is a removed link. `hash` is
    sha256(prev_hash|seq|event_table|event_pk|row_digest), so changing any link changes
    every hash after it.
    """

    seq = models.BigIntegerField(primary_key=True)
    event_table = models.CharField(max_length=63)
    event_pk = models.BigIntegerField()
    row_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            # An event row is sealed once; this index also serves verification's join.
            models.UniqueConstraint(
                fields=["event_table", "event_pk"], name="audit_chainlink_event"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_table}:{self.event_pk}"


class ChainDigest(models.Model):
    """The chain's head as seen on a day: kept apart so a rewritten chain no longer matches."""

    recorded_at = models.DateTimeField()
    recorded_on = models.DateField()
    last_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    link_count = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.recorded_on}: #{self.last_seq} {self.head_hash[:12]}"
