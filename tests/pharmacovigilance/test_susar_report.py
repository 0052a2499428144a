"""Pharmacovigilance records the SUSAR's report to the regulators (ANSM / EudraVigilance) with
its date-time and reference: the clock stops. A fatal or life-threatening SUSAR is due on day
7, counted from the sponsor's first knowledge, and its follow-up on day 15."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from pharmacovigilance.deadlines import ClockState
from pharmacovigilance.models import Regulator, Susar
from pharmacovigilance.selectors import susar_clock
from pharmacovigilance.services import sae_assess, susar_follow_up_record, susar_report_record
from tests.pharmacovigilance.conftest import opinions, submit_sae

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def fatal_susar(ic_patient, coordinator, investigator, pharmacovigilance) -> Susar:
    """A fatal pneumonitis, received by the sponsor on 2 June 2025 at 12:00 Paris."""
    report = submit_sae(ic_patient, coordinator, investigator, results_in_death=True)
    assessment = sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))
    return Susar.objects.get(assessment=assessment)


@pytest.fixture
def other_susar(sae, pharmacovigilance) -> Susar:
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    return Susar.objects.get(assessment=assessment)


def test_a_fatal_susar_is_due_on_day_7_and_its_follow_up_on_day_15(fatal_susar):
    assert fatal_susar.fatal_or_life_threatening
    assert fatal_susar.sponsor_received_at == fatal_susar.assessment.report.sponsor_received_at
    clock = susar_clock(fatal_susar)
    assert [(d.label, d.day, d.due_on) for d in clock.deadlines] == [
        ("initial report", 7, dt.date(2025, 6, 9)),
        ("follow-up report", 15, dt.date(2025, 6, 17)),
    ]


def test_a_hospitalisation_susar_is_due_on_day_15(other_susar):
    clock = susar_clock(other_susar)
    assert [(d.day, d.due_on) for d in clock.deadlines] == [(15, dt.date(2025, 6, 17))]


def test_recording_the_report_stops_the_clock(fatal_susar, pharmacovigilance):
    sent = dt.datetime(2025, 6, 6, 15, 30, tzinfo=PARIS)
    with time_machine.travel(dt.datetime(2025, 6, 6, 14, 0, tzinfo=dt.UTC), tick=False):
        susar_report_record(
            susar=fatal_susar,
            user=pharmacovigilance,
            reported_at=sent,
            reported_to=Regulator.BOTH,
            reference="EU-EC-10001234",
        )

    fatal_susar.refresh_from_db()
    much_later = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    initial, follow_up = susar_clock(fatal_susar, now=much_later).states
    assert initial is ClockState.REPORTED
    assert follow_up is ClockState.OVERDUE  # the day-15 follow-up is still owed

    susar_follow_up_record(
        susar=fatal_susar,
        user=pharmacovigilance,
        reported_at=dt.datetime(2025, 6, 16, 10, 0, tzinfo=PARIS),
        reference="EU-EC-10001234-FU1",
        now=much_later,
    )
    fatal_susar.refresh_from_db()
    assert susar_clock(fatal_susar, now=much_later).states == (
        ClockState.REPORTED,
        ClockState.REPORTED,
    )


def test_a_report_needs_its_date_regulator_and_reference(other_susar, pharmacovigilance):
    with pytest.raises(ValidationError) as refused:
        susar_report_record(
            susar=other_susar,
            user=pharmacovigilance,
            reported_at=dt.datetime(2025, 6, 1, 9, 0, tzinfo=PARIS),  # before day 0
            reported_to="",
            reference=" ",
        )

    assert set(refused.value.message_dict) == {"reported_at", "reported_to", "reference"}
    other_susar.refresh_from_db()
    assert other_susar.reported_at is None


def test_a_report_in_the_future_is_refused(other_susar, pharmacovigilance):
    with pytest.raises(ValidationError) as refused:
        susar_report_record(
            susar=other_susar,
            user=pharmacovigilance,
            reported_at=dt.datetime(2025, 6, 3, 9, 0, tzinfo=PARIS),
            reported_to=Regulator.EUDRAVIGILANCE,
            reference="EU-EC-1",
        )

    assert "reported_at" in refused.value.message_dict


def test_only_a_fatal_or_life_threatening_susar_has_a_follow_up(other_susar, pharmacovigilance):
    with pytest.raises(ValidationError):
        susar_follow_up_record(
            susar=other_susar,
            user=pharmacovigilance,
            reported_at=dt.datetime(2025, 6, 2, 13, 0, tzinfo=PARIS),
            reference="X",
        )


@pytest.mark.parametrize("role_fixture", ["sponsor", "data_manager", "investigator"])
def test_only_pharmacovigilance_records_the_report(request, other_susar, role_fixture):
    with pytest.raises(PermissionDenied):
        susar_report_record(
            susar=other_susar,
            user=request.getfixturevalue(role_fixture),
            reported_at=dt.datetime(2025, 6, 2, 12, 30, tzinfo=PARIS),
            reported_to=Regulator.ANSM,
            reference="ANSM-1",
        )
