"""The demo is written a few hundred patients per transaction (demo.batches), not in one.

In batches or in one go, the trial is the same (arms aside): every step still sees every
patient, once and in order. When a step fails, the batches before it stay in the database;
seed_demo then says so, counts what is there and how to start again (flush, then seed_demo).
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

import demo.trial
from accounts.models import Site
from audit.chain import verify_chain
from demo import batches
from patients.models import Patient
from tests.demo.test_same_seed_same_trial import LOADED_AT, _trial


def _loaded(patients: int) -> dict[str, list[str]]:
    with transaction.atomic():
        demo.trial.demo_trial_seed(patients=patients, seed=11)
        trial = _trial()
        transaction.set_rollback(True)  # the next load starts from an empty database
    return trial


def test_it_loads_the_same_trial_in_batches_of_four_as_in_one(db, monkeypatch):
    with time_machine.travel(LOADED_AT, tick=False):
        in_one = _loaded(patients=30)
        monkeypatch.setattr(batches, "PATIENTS_PER_TRANSACTION", 4)
        in_batches = _loaded(patients=30)

    assert in_batches == in_one
    assert len(in_one["Patient"]) == 30


@pytest.mark.django_db(transaction=True)
def test_a_failure_half_way_keeps_the_batches_before_it_and_says_how_to_start_again(
    monkeypatch,
):
    monkeypatch.setattr(batches, "PATIENTS_PER_TRANSACTION", 5)
    screen = demo.trial.patient_screen

    def screen_until_the_eighth(**kwargs):
        if Patient.objects.count() == 7:
            raise RuntimeError("the disk is full")
        return screen(**kwargs)

    monkeypatch.setattr(demo.trial, "patient_screen", screen_until_the_eighth)

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", patients=12, seed=3)

    message = str(refused.value)
    assert "stopped while writing the screening log: RuntimeError('the disk is full')" in message
    # The first batch of five was committed; the second, which held the failure, was not.
    assert "(5 patients screened, " in message
    assert Patient.objects.count() == 5
    assert "`python manage.py flush`" in message

    monkeypatch.setattr(demo.trial, "patient_screen", screen)
    call_command("flush", interactive=False)
    assert not Site.objects.exists()
    call_command("seed_demo", patients=12, seed=3)
    assert Patient.objects.count() == 12


@pytest.mark.django_db(transaction=True)
def test_every_write_of_a_demo_committed_in_batches_names_its_author(monkeypatch):
    """Each batch is a transaction of its own: no write can borrow the audit context an
    earlier write left in the transaction, as it could when the demo was one transaction."""
    monkeypatch.setattr(batches, "PATIENTS_PER_TRANSACTION", 5)

    call_command("seed_demo", patients=40, seed=3)

    report = verify_chain()
    assert report.intact
    # Only the notification rules the migrations put back (after the test database's flush)
    # have no author; every write of the demo names a user or the command.
    assert report.unattributed_count == len(report.unattributed)
    assert {u.event_table for u in report.unattributed} <= {"notices_notificationruleevent"}
