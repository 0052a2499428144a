"""The audit trail's hash chain (21 CFR 11.10(e)): what it covers, its triggers, its check.

Every event row is sealed at commit by a database trigger (`audit_chain_link`, defined in
audit/migrations/0001_initial.py) into `audit_chainlink`: the row's digest, and a hash over
the previous link's hash, so editing, removing or inserting an event row anywhere breaks the
chain from there on. Recomputing the chain after an edit is possible only for the database
owner; the digests of the head recorded each night (`audit_chaindigest`, and the log) then
no longer match. `verify_chain` recomputes all of it and names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

# Tables the application's database role may only read (audit.database grants them so).
READ_ONLY_FOR_APP = ("audit_chainlink", "audit_chaindigest")

CHAIN_TRIGGER = "audit_chain_link"
GENESIS = "0" * 64
# How many breaks and unattributed writes a report lists (all are counted).
SHOWN = 20

ROW_CHANGED = "row changed"
ROW_DELETED = "row deleted"
LINK_MISSING = "link missing"
LINK_FORGED = "link forged"
DIGEST_MISMATCH = "chain rewritten"
TRIGGER_OFF = "chain trigger missing or disabled"


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain no longer holds, and why."""

    reason: str
    event_table: str
    event_pk: int | None = None
    seq: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = self.event_table + (f" pk {self.event_pk}" if self.event_pk is not None else "")
        at = f"#{self.seq} " if self.seq is not None else ""
        return f"{at}{where}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class UnattributedWrite:
    """An event written with no audit context at all: by SQL run outside the application."""

    event_table: str
    event_pk: int
    created_at: dt.datetime
    label: str

    def __str__(self) -> str:
        at = self.created_at.strftime("%Y-%m-%d %H:%M:%S%z")
        return f"{self.event_table} pk {self.event_pk} {self.label} at {at}"


@dataclass
class ChainReport:
    """What a verification found: the head, the breaks (first first), unattributed writes."""

    links_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    digests_checked: int = 0
    break_count: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    unattributed_count: int = 0
    unattributed: list[UnattributedWrite] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.break_count == 0

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    def lines(self) -> list[str]:
        """Return the report as text, for the command's output and the log."""
        lines = [
            f"Audit trail: {self.links_checked} links checked, head #{self.head_seq} "
            f"{self.head_hash}, {self.digests_checked} recorded digests compared."
        ]
        if self.intact:
            lines.append("Chain intact.")
        else:
            lines.append(f"CHAIN BROKEN: {self.break_count} break(s); first: {self.first_break}")
            lines += [f"  {b}" for b in self.breaks[1:]]
        if self.unattributed_count:
            lines.append(
                f"UNATTRIBUTED WRITES: {self.unattributed_count} event(s) written outside the "
                "application (no audit context: no user, request, reason or system); first:"
            )
            lines += [f"  {u}" for u in self.unattributed]
        else:
            lines.append("No unattributed writes.")
        return lines


def event_tables() -> list[str]:
    """Return the table of every audit event model (django-pghistory), sorted."""
    from pghistory.models import Event

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, Event) and model._meta.managed and not model._meta.proxy
    )


def chain_triggers_install(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Put the chain trigger on every event table that lacks it; return those tables.

    Idempotent. Rows already in a newly covered table (the history from before the chain
    existed) are sealed first, oldest first, so the chain covers every event row.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_chainlink') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return []  # migrated to a point before the audit app's tables
        cursor.execute(
            """
            SELECT c.relname, bool_or(t.tgname = %s)
              FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid
             WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
             GROUP BY c.relname
            """,
            [CHAIN_TRIGGER, event_tables()],
        )
        missing = sorted(table for table, covered in cursor.fetchall() if not covered)
        for table in missing:
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {CHAIN_TRIGGER} AFTER INSERT ON {quote(table)} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_link()"
            )
            # ALWAYS: fires even under session_replication_role = replica.
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ALWAYS TRIGGER {CHAIN_TRIGGER}")
        if missing:
            _seal_existing_rows(cursor, missing, quote)
            logger.info("Audit chain trigger installed on %s", ", ".join(missing))
    return missing


def _seal_existing_rows(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> None:
    """Link the rows of these tables that have no link yet, in the order they were written."""
    rows = " UNION ALL ".join(
        f"SELECT t.pgh_created_at AS at, '{table}'::text AS tbl, t.pgh_id::bigint AS pk, "
        f"audit_chain_row_digest(t) AS digest FROM {quote(table)} t WHERE NOT EXISTS "
        f"(SELECT 1 FROM audit_chainlink l WHERE l.event_table = '{table}' "
        "AND l.event_pk = t.pgh_id)"
        for table in tables
    )
    cursor.execute(
        "DO $seal$ DECLARE r record; BEGIN "
        f"FOR r IN SELECT * FROM ({rows}) e ORDER BY e.at, e.tbl, e.pk LOOP "
        "PERFORM audit_chain_append(r.tbl, r.pk, r.digest); END LOOP; END $seal$"
    )


def chain_triggers_on_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: a table added by a later migration is never left outside the chain."""
    chain_triggers_install(using=using)


def link_hash(prev_hash: str, seq: int, event_table: str, event_pk: int, row_digest: str) -> str:
    """Return a link's hash, as the database computes it (audit_chain_link_hash)."""
    text = f"{prev_hash}|{seq}|{event_table}|{event_pk}|{row_digest}"
    return hashlib.sha256(text.encode()).hexdigest()


def verify_chain(using: str | Any = DEFAULT_DB_ALIAS) -> ChainReport:
    """Recompute the chain of a database and return what it found.

    `using` is a database alias, or an open DB-API connection (e.g. to a restored copy),
    used as it is. With an alias, everything is read in one REPEATABLE READ snapshot, so a
    transaction committing meanwhile is not mistaken for a missing link.
    """
    if not isinstance(using, str):
        return _verify(using.cursor, using.cursor)
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(connection.cursor, connection.chunked_cursor)


def _verify(cursor_of: Callable[[], Any], stream_of: Callable[[], Any]) -> ChainReport:
    report = ChainReport()
    breaks: list[ChainBreak] = []
    tables = event_tables()
    with cursor_of() as cursor:
        cursor.execute(
            "SELECT id, recorded_on, last_seq, head_hash, link_count FROM audit_chaindigest"
        )
        digests = cursor.fetchall()
    at_seq: dict[int, tuple[str, int]] = {0: (GENESIS, 0)}
    wanted = {d[2] for d in digests}

    # 1. The links themselves: no gap, each hash over its own contents and its predecessor's.
    with stream_of() as stream:
        stream.execute(
            "SELECT seq, event_table, event_pk, row_digest, prev_hash, hash "
            "FROM audit_chainlink ORDER BY seq"
        )
        expected, prev = 1, GENESIS
        while rows := stream.fetchmany(5000):
            for seq, table, pk, digest, prev_hash, hash_ in rows:
                if seq != expected:
                    breaks.append(
                        ChainBreak(
                            LINK_MISSING, table, pk, seq, f"links #{expected}-#{seq - 1} gone"
                        )
                    )
                elif prev_hash != prev:
                    breaks.append(
                        ChainBreak(LINK_FORGED, table, pk, seq, "previous hash does not match")
                    )
                if link_hash(prev_hash, seq, table, pk, digest) != hash_:
                    breaks.append(
                        ChainBreak(LINK_FORGED, table, pk, seq, "hash does not match the link")
                    )
                expected, prev = seq + 1, hash_
                report.links_checked += 1
                if seq in wanted:
                    at_seq[seq] = (hash_, report.links_checked)
        report.head_seq, report.head_hash = expected - 1, prev

    # 2. The recorded digests: a chain recomputed after an edit no longer ends where it did.
    for _id, recorded_on, last_seq, head_hash, link_count in digests:
        report.digests_checked += 1
        if at_seq.get(last_seq) != (head_hash, link_count):
            breaks.append(
                ChainBreak(
                    DIGEST_MISMATCH,
                    "audit_chaindigest",
                    _id,
                    last_seq,
                    f"the head recorded on {recorded_on} is no longer in the chain",
                )
            )

    with cursor_of() as cursor:
        # 3. Every event table still carries the trigger, enabled even for replicas.
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
             WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                                  AND t.tgname = %s AND t.tgenabled = 'A')
            """,
            [tables, CHAIN_TRIGGER],
        )
        breaks += [ChainBreak(TRIGGER_OFF, table) for (table,) in cursor.fetchall()]
        # 4. Every event row against its link.
        for table in tables:
            breaks += _rows_against_links(cursor, table)
        cursor.execute(
            "SELECT seq, event_table, event_pk FROM audit_chainlink "
            "WHERE event_table <> ALL(%s) ORDER BY seq LIMIT %s",
            [tables, SHOWN],
        )
        breaks += [
            ChainBreak(ROW_DELETED, table, pk, seq, "its event table is gone")
            for seq, table, pk in cursor.fetchall()
        ]
        # 5. Writes made outside the application: recorded, and raised here.
        unattributed: list[UnattributedWrite] = []
        for table in tables:
            count, first = _unattributed_in(cursor, table)
            report.unattributed_count += count
            unattributed += first
    report.unattributed = sorted(unattributed, key=lambda u: (u.created_at, u.event_table))[:SHOWN]
    report.break_count = len(breaks)
    report.breaks = sorted(breaks, key=_in_chain_order)[:SHOWN]
    return report


def _in_chain_order(b: ChainBreak) -> tuple[bool, int, str, int]:
    return (b.seq is None, b.seq or 0, b.event_table, b.event_pk or 0)


def _rows_against_links(cursor: Any, table: str) -> Iterable[ChainBreak]:
    """Return each row of `table` changed since sealed or never sealed, each link without row."""
    quoted = '"' + table.replace('"', '""') + '"'
    cursor.execute(
        f"""
        SELECT l.seq, coalesce(l.event_pk, e.pgh_id), l.seq IS NULL, e.pgh_id IS NULL
          FROM (SELECT seq, event_pk, row_digest FROM audit_chainlink
                 WHERE event_table = %s) l
          FULL JOIN (SELECT t.pgh_id, audit_chain_row_digest(t) AS digest
                       FROM {quoted} t) e ON e.pgh_id = l.event_pk
         WHERE l.seq IS NULL OR e.pgh_id IS NULL OR l.row_digest <> e.digest
        """,
        [table],
    )
    for seq, pk, unlinked, gone in cursor.fetchall():
        if unlinked:
            yield ChainBreak(LINK_MISSING, table, pk, None, "event row never sealed")
        elif gone:
            yield ChainBreak(ROW_DELETED, table, pk, seq)
        else:
            yield ChainBreak(ROW_CHANGED, table, pk, seq, "data differ from the sealed digest")


def _unattributed_in(cursor: Any, table: str) -> tuple[int, list[UnattributedWrite]]:
    """Count the events of `table` written with no audit context, and return the first ones.

    The application writes within a context: the signed-in user and URL of a request, the
    reason of a service, or `system` naming a command or task. SQL run outside it (psql, a
    script with the database password) leaves the context empty: recorded, and raised here.
    """
    quoted = '"' + table.replace('"', '""') + '"'
    cursor.execute(
        f"""
        SELECT pgh_id, pgh_created_at, pgh_label, count(*) OVER ()
          FROM {quoted}
         WHERE pgh_context IS NULL OR pgh_context = '{{}}'::jsonb
         ORDER BY pgh_created_at, pgh_id
         LIMIT %s
        """,
        [SHOWN],
    )
    rows = cursor.fetchall()
    return (rows[0][3] if rows else 0), [
        UnattributedWrite(table, pk, created_at, label) for pk, created_at, label, _n in rows
    ]


@dataclass(frozen=True)
class ChainDigestRecord:
    """The head recorded tonight, with the verification it followed."""

    recorded_on: dt.date
    last_seq: int
    head_hash: str
    link_count: int
    report: ChainReport


def audit_trail_check(*, using: str = DEFAULT_DB_ALIAS) -> ChainDigestRecord:
    """Verify the chain, record today's digest of its head, and say both in the log.

    A break is an ERROR, unattributed writes a WARNING. The digest is recorded either way:
    it seals what the chain holds tonight, and a later rewrite still breaks the earlier ones.
    """
    report = verify_chain(using)
    if not report.intact:
        logger.error("Audit trail chain BROKEN: %s", "\n".join(report.lines()))
    if report.unattributed_count:
        logger.warning(
            "Audit trail: %s unattributed write(s), first: %s",
            report.unattributed_count,
            report.unattributed[0],
        )
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT recorded_on, last_seq, head_hash, link_count FROM audit_chain_digest_record()"
        )
        recorded_on, last_seq, head_hash, link_count = cursor.fetchone()
    # The log is the digest's second home, out of the database owner's reach.
    logger.info(
        "Audit trail digest %s: last link #%s, head %s, %s links",
        recorded_on,
        last_seq,
        head_hash,
        link_count,
    )
    return ChainDigestRecord(recorded_on, last_seq, head_hash, link_count, report)
