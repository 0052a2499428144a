"""The audit trail is tamper-evident (21 CFR 11.10(e), ICH E6(R3)): a hash chain over every event.

Each event row is sealed at commit into one chain; verification recomputes it and names the
first broken link; the nightly digest of the head catches a chain recomputed after an edit.
The tests commit (transaction=True): the sealing trigger runs at commit.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from pghistory.models import Event

from audit.chain import (
    CHAIN_TRIGGER,
    DIGEST_MISMATCH,
    LINK_FORGED,
    LINK_MISSING,
    ROW_CHANGED,
    ROW_DELETED,
    TRIGGER_OFF,
    chain_triggers_install,
    event_tables,
    link_hash,
    verify_chain,
)
from audit.models import ChainDigest, ChainLink
from audit.tasks import verify_audit_trail
from patients.models import Screening
from patients.services import screening_update
from tests.factories import screen_patient

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _event_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM {t})" for t in event_tables())
        )
        return cursor.fetchone()[0]


def _link_of(table: str, pk: int) -> ChainLink:
    return ChainLink.objects.get(event_table=table, event_pk=pk)


def _screening_event(patient) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(pgh_id) FROM patients_screeningevent WHERE pgh_obj_id = %s",
            [patient.screening.pk],
        )
        return cursor.fetchone()[0]


@contextmanager
def _as_the_owner_bypassing_triggers(*tables: str):
    """What the database owner can do: switch the protective triggers off for one transaction.

    The chain's own trigger stays as it is; every other trigger gets its state back.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        saved = []
        for table in tables:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND NOT tgisinternal AND tgname <> %s",
                [table, CHAIN_TRIGGER],
            )
            for name, state in cursor.fetchall():
                saved.append((table, name, state))
                cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
        yield cursor
        states = {"A": "ENABLE ALWAYS", "R": "ENABLE REPLICA", "O": "ENABLE", "D": "DISABLE"}
        for table, name, state in saved:
            cursor.execute(f'ALTER TABLE {table} {states[state]} TRIGGER "{name}"')


def test_it_seals_every_event_row_at_commit_into_one_chain(coordinator, site_a):
    sealed_before = ChainLink.objects.count()
    with transaction.atomic():
        patient = screen_patient(site=site_a, user=coordinator)
        # Not yet: the trigger is deferred to the commit, so links follow commit order.
        assert ChainLink.objects.count() == sealed_before
    screening_update(
        patient=patient, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    links = list(ChainLink.objects.order_by("seq"))
    assert len(links) == _event_rows() > sealed_before
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    assert links[0].prev_hash == "0" * 64
    for before, link in itertools.pairwise(links):
        assert link.prev_hash == before.hash
        assert link.hash == link_hash(
            link.prev_hash, link.seq, link.event_table, link.event_pk, link.row_digest
        )
    assert links[-1].event_table == "patients_screeningevent"

    report = verify_chain()
    assert report.intact, report.lines()
    assert report.links_checked == len(links)
    assert (report.head_seq, report.head_hash) == (links[-1].seq, links[-1].hash)


def test_every_event_table_carries_the_chain_trigger_even_after_a_later_migrate(
    coordinator, site_a
):
    patient = screen_patient(site=site_a, user=coordinator)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgdeferrable, t.tginitdeferred, t.tgenabled "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [CHAIN_TRIGGER],
        )
        triggers = {name: rest for name, *rest in cursor.fetchall()}
    from django.apps import apps

    event_models = [m for m in apps.get_models() if issubclass(m, Event) and not m._meta.proxy]
    assert len(event_models) >= 20
    for model in event_models:
        # Deferred to the commit, and fired even under session_replication_role = replica.
        assert triggers.get(model._meta.db_table) == [True, True, "A"], model._meta.label

    # A table left without it (a new event model, or a dropped trigger) gets it at migrate,
    # and the rows it holds by then are sealed first.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {CHAIN_TRIGGER} ON patients_patientevent")
        cursor.execute("UPDATE patients_patient SET sex = 'M' WHERE id = %s", [patient.pk])
        cursor.execute("SELECT max(pgh_id) FROM patients_patientevent")
        (written_meanwhile,) = cursor.fetchone()
    try:
        call_command("migrate", verbosity=0)
    finally:
        missing = chain_triggers_install()
    assert missing == []  # migrate had put it back
    assert _link_of("patients_patientevent", written_meanwhile).seq == ChainLink.objects.count()
    assert verify_chain().intact


def test_it_finds_an_event_row_the_owner_edited(coordinator, site_a):
    patient = screen_patient(site=site_a, user=coordinator)
    screening_update(
        patient=patient, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )
    edited = _screening_event(patient)

    with _as_the_owner_bypassing_triggers("patients_screeningevent") as cursor:
        cursor.execute("UPDATE patients_screeningevent SET ecog = 0 WHERE pgh_id = %s", [edited])

    report = verify_chain()
    assert not report.intact
    first = report.first_break
    assert (first.reason, first.event_table, first.event_pk) == (
        ROW_CHANGED,
        "patients_screeningevent",
        edited,
    )
    assert first.seq == _link_of("patients_screeningevent", edited).seq


def test_it_finds_an_event_row_the_owner_deleted(coordinator, site_a):
    patient = screen_patient(site=site_a, user=coordinator)
    erased = _screening_event(patient)

    with _as_the_owner_bypassing_triggers("patients_screeningevent") as cursor:
        cursor.execute("DELETE FROM patients_screeningevent WHERE pgh_id = %s", [erased])

    first = verify_chain().first_break
    assert (first.reason, first.event_table, first.event_pk) == (
        ROW_DELETED,
        "patients_screeningevent",
        erased,
    )


def test_it_finds_a_link_removed_and_a_link_forged(coordinator, site_a):
    screen_patient(site=site_a, user=coordinator)
    removed, forged = 3, 5

    with _as_the_owner_bypassing_triggers("audit_chainlink") as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE seq = %s", [removed])
        cursor.execute(
            "UPDATE audit_chainlink SET hash = md5(hash) || md5(hash) WHERE seq = %s", [forged]
        )

    report = verify_chain()
    found = [(b.reason, b.seq) for b in report.breaks]
    assert found[0] == (LINK_MISSING, removed + 1)
    assert (LINK_FORGED, forged) in found


def test_it_finds_events_written_while_the_trigger_was_off(coordinator, site_a):
    patient = screen_patient(site=site_a, user=coordinator)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE patients_screeningevent DISABLE TRIGGER {CHAIN_TRIGGER}")
            Screening.objects.filter(pk=patient.screening.pk).update(ecog=3)
        found = {(b.reason, b.event_table) for b in verify_chain().breaks}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE patients_screeningevent ENABLE ALWAYS TRIGGER {CHAIN_TRIGGER}"
            )
    assert (TRIGGER_OFF, "patients_screeningevent") in found
    assert (LINK_MISSING, "patients_screeningevent") in found


def test_a_chain_recomputed_after_an_edit_no_longer_matches_the_recorded_digest(
    coordinator, site_a
):
    patient = screen_patient(site=site_a, user=coordinator)
    verify_audit_trail.apply()  # tonight's digest of the head
    edited = _screening_event(patient)

    # The owner edits the event and recomputes every link from there: the chain is whole again.
    with _as_the_owner_bypassing_triggers("patients_screeningevent", "audit_chainlink") as cursor:
        cursor.execute("UPDATE patients_screeningevent SET ecog = 0 WHERE pgh_id = %s", [edited])
        cursor.execute(
            "UPDATE audit_chainlink l SET row_digest = audit_chain_row_digest(e) "
            "FROM patients_screeningevent e "
            "WHERE l.event_table = 'patients_screeningevent' AND l.event_pk = e.pgh_id "
            "AND e.pgh_id = %s",
            [edited],
        )
        cursor.execute(
            "SELECT seq FROM audit_chainlink WHERE event_pk = %s "
            "AND event_table = 'patients_screeningevent'",
            [edited],
        )
        (from_seq,) = cursor.fetchone()
        cursor.execute(
            "SELECT seq, event_table, event_pk, row_digest, prev_hash FROM audit_chainlink "
            "WHERE seq >= %s ORDER BY seq",
            [from_seq],
        )
        links = cursor.fetchall()
        prev = links[0][4]
        for seq, table, pk, digest, _ in links:
            new_hash = link_hash(prev, seq, table, pk, digest)
            cursor.execute(
                "UPDATE audit_chainlink SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, new_hash, seq],
            )
            prev = new_hash

    report = verify_chain()
    assert [b.reason for b in report.breaks] == [DIGEST_MISMATCH]
    assert report.first_break.event_table == "audit_chaindigest"


def test_links_and_digests_cannot_be_changed_even_by_the_owner_without_disabling_triggers(
    coordinator, site_a
):
    screen_patient(site=site_a, user=coordinator)
    verify_audit_trail.apply()
    for statement in (
        "UPDATE audit_chainlink SET hash = 'x'",
        "DELETE FROM audit_chainlink",
        "UPDATE audit_chaindigest SET head_hash = 'x'",
        "DELETE FROM audit_chaindigest",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def _raw_connection():
    db = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def test_two_connections_committing_in_turn_extend_one_chain_in_commit_order(coordinator, site_a):
    first_patient = screen_patient(site=site_a, user=coordinator)
    second_patient = screen_patient(site=site_a, user=coordinator)
    unattributed_before = verify_chain().unattributed_count
    a, b = _raw_connection(), _raw_connection()
    try:
        update = "UPDATE patients_patient SET year_of_birth = year_of_birth + 1 WHERE id = %s"
        with a.cursor() as cursor:
            cursor.execute(update, [first_patient.pk])
            # A seals now and holds the chain's lock until it commits.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with b.cursor() as cursor:
            cursor.execute(update, [second_patient.pk])
        committing = threading.Thread(target=b.commit)  # waits for A's lock
        committing.start()
        committing.join(timeout=1)
        assert committing.is_alive()
        a.commit()
        committing.join(timeout=10)
        assert not committing.is_alive()

        # B, blocked until A committed, saw A's link once it had the lock (READ COMMITTED).
        last_two = list(ChainLink.objects.order_by("-seq")[:2])
        assert [link.event_table for link in last_two] == ["patients_patientevent"] * 2
        assert last_two[0].prev_hash == last_two[1].hash
        # And a restored copy is verified the same way, through a plain DB-API connection.
        report = verify_chain(a)
        assert report.intact, report.lines()
        # Both raw writes carried no user: they are listed as written outside the application.
        assert report.unattributed_count == unattributed_before + 2
        raw = [u for u in report.unattributed if u.event_table == "patients_patientevent"]
        assert [u.label for u in raw] == ["update", "update"]
    finally:
        a.close()
        b.close()


def test_concurrent_writers_on_many_tables_produce_one_valid_chain(coordinator, site_a):
    unattributed_before = verify_chain().unattributed_count  # the test's own fixtures
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def screen_three() -> None:
        try:
            start.wait()
            for _ in range(3):
                patient = screen_patient(site=site_a, user=coordinator)
                screening_update(
                    patient=patient, user=coordinator, reason="Source checked", changes={"ecog": 0}
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=screen_three) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = verify_chain()
    assert report.intact, report.lines()
    assert report.links_checked == _event_rows() == ChainLink.objects.count()
    assert report.unattributed_count == unattributed_before  # every service write names its user


def test_the_command_prints_the_report_and_exits_non_zero_on_a_break(coordinator, site_a, capsys):
    patient = screen_patient(site=site_a, user=coordinator)
    call_command("verify_audit_trail")
    assert "Chain intact." in capsys.readouterr().out

    edited = _screening_event(patient)
    with _as_the_owner_bypassing_triggers("patients_screeningevent") as cursor:
        cursor.execute("UPDATE patients_screeningevent SET note = 'x' WHERE pgh_id = %s", [edited])
    with pytest.raises(CommandError, match="patients_screeningevent"):
        call_command("verify_audit_trail")

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db["PASSWORD"]:
        pytest.skip("the exit-code check builds a URL without password")
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_trail"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"patients_screeningevent pk {edited}: row changed" in done.stdout


def test_the_nightly_task_records_the_digest_and_raises_breaks_and_unattributed_writes(
    coordinator, site_a, caplog
):
    patient = screen_patient(site=site_a, user=coordinator)
    with caplog.at_level(logging.INFO, logger="audit.chain"):
        result = verify_audit_trail.apply().get()
    head = ChainLink.objects.order_by("-seq").first()
    digest = ChainDigest.objects.get()
    assert (digest.last_seq, digest.head_hash, digest.link_count) == (
        head.seq,
        head.hash,
        ChainLink.objects.count(),
    )
    assert result["intact"] and result["head_hash"] == head.hash
    assert head.hash in caplog.text  # the log keeps the digest too
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    unattributed_before = result["unattributed"]

    # A raw SQL write outside the application, then an owner's edit.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE patients_patient SET sex = 'M' WHERE id = %s", [patient.pk])
    with _as_the_owner_bypassing_triggers("patients_patientevent") as cursor:
        cursor.execute(
            "UPDATE patients_patientevent SET sex = 'F' WHERE pgh_obj_id = %s", [patient.pk]
        )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="audit.chain"):
        result = verify_audit_trail.apply().get()

    levels = {r.levelname for r in caplog.records}
    assert {"ERROR", "WARNING", "INFO"} <= levels
    assert not result["intact"]
    assert result["unattributed"] == unattributed_before + 1
    assert ChainDigest.objects.count() == 2


def test_the_application_role_s_writes_are_sealed_but_it_cannot_write_the_chain(
    coordinator, site_a
):
    patient = screen_patient(site=site_a, user=coordinator)
    db = settings.DATABASES["default"]
    role = f"{db['NAME']}_chain_app"  # roles are cluster-wide: named after this test database
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'chain-test-only'")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT, UPDATE ON patients_patient TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT ON patients_patientevent TO {role}")
        cursor.execute(f"GRANT SELECT ON audit_chainlink, audit_chaindigest TO {role}")
    app = psycopg2.connect(
        dbname=db["NAME"],
        user=role,
        password="chain-test-only",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        with app.cursor() as cursor:
            cursor.execute("UPDATE patients_patient SET sex = 'M' WHERE id = %s", [patient.pk])
        app.commit()
        # Sealed at commit by the owner's function, though the role may only read the chain.
        assert ChainLink.objects.order_by("-seq").first().event_table == "patients_patientevent"
        for forgery in (
            "SELECT audit_chain_append('patients_patientevent', 1, 'forged')",
            "INSERT INTO audit_chainlink VALUES (999999, 't', 1, 'd', 'p', 'h', now())",
            "INSERT INTO audit_chaindigest (recorded_at, recorded_on, last_seq, head_hash, "
            "link_count) VALUES (now(), current_date, 1, 'h', 1)",
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), app.cursor() as cursor:
                cursor.execute(forgery)
            app.rollback()
        # It may record the day's digest, of the head as it is, through the owner's function.
        with app.cursor() as cursor:
            cursor.execute("SELECT last_seq FROM audit_chain_digest_record()")
            assert cursor.fetchone()[0] == ChainLink.objects.count()
        app.commit()
    finally:
        app.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert verify_chain().intact
