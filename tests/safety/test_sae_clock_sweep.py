"""The beat task sweeps the clock every 15 minutes: an initial report not submitted 24 hours
after the site became aware is notified overdue, once per report."""

from __future__ import annotations

import datetime as dt

import time_machine

from notices.models import Notice, NoticeKind
from safety.services import sae_clock_sweep
from safety.tasks import sae_clock_sweep_task
from tests.conftest import TODAY
from tests.safety.conftest import complete, submit


def _overdue_notices():
    return Notice.objects.filter(kind=NoticeKind.SAE_OVERDUE)


def test_nothing_is_overdue_at_23_h_59(sae, investigator):
    assert sae_clock_sweep(now=TODAY + dt.timedelta(hours=23, minutes=59)) == 0
    assert not _overdue_notices().exists()


def test_an_overdue_initial_report_is_notified_once(sae, investigator, coordinator):
    with time_machine.travel(TODAY + dt.timedelta(hours=24, minutes=1), tick=False):
        assert sae_clock_sweep_task() == 1
        assert sae_clock_sweep_task() == 0

    told = _overdue_notices()
    assert {n.recipient for n in told} >= {investigator}
    assert told.filter(recipient=investigator).count() == 1
    sae.refresh_from_db()
    assert sae.overdue_notified_at == TODAY + dt.timedelta(hours=24, minutes=1)


def test_a_submitted_initial_report_is_never_overdue(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    submit(sae, investigator, signing_request)

    assert sae_clock_sweep(now=TODAY + dt.timedelta(days=3)) == 0
