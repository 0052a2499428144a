"""The beat task pharmacovigilance.susar_clock_sweep tells pharmacovigilance once when a
SUSAR is due within 48 hours and once when it is overdue; a reported SUSAR is left alone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from notices.models import Notice, NoticeKind
from pharmacovigilance.models import Regulator, Susar
from pharmacovigilance.services import sae_assess, susar_clock_sweep, susar_report_record
from tests.pharmacovigilance.conftest import opinions

PARIS = ZoneInfo("Europe/Paris")
# Received 2 June: day 15 is 17 June, due by midnight Paris starting 18 June.
DUE_AT = dt.datetime(2025, 6, 18, 0, 0, tzinfo=PARIS)


@pytest.fixture
def susar(sae, pharmacovigilance) -> Susar:
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    return Susar.objects.get(assessment=assessment)


def _sent(kind: NoticeKind) -> int:
    return Notice.objects.filter(kind=kind).count()


def test_due_soon_then_overdue_each_once(susar, pharmacovigilance):
    assert susar_clock_sweep(now=DUE_AT - dt.timedelta(hours=49)) == {"due_soon": 0, "overdue": 0}

    soon = DUE_AT - dt.timedelta(hours=47)
    assert susar_clock_sweep(now=soon) == {"due_soon": 1, "overdue": 0}
    assert susar_clock_sweep(now=soon + dt.timedelta(hours=1)) == {"due_soon": 0, "overdue": 0}
    assert _sent(NoticeKind.SUSAR_DUE_SOON) == 1

    assert susar_clock_sweep(now=DUE_AT) == {"due_soon": 0, "overdue": 1}
    assert susar_clock_sweep(now=DUE_AT + dt.timedelta(days=1)) == {"due_soon": 0, "overdue": 0}
    notice = Notice.objects.get(kind=NoticeKind.SUSAR_OVERDUE)
    assert notice.recipient == pharmacovigilance
    assert notice.study_id == susar.assessment.report.patient.study_id


def test_a_reported_susar_is_not_chased(susar, pharmacovigilance):
    susar_report_record(
        susar=susar,
        user=pharmacovigilance,
        reported_at=dt.datetime(2025, 6, 2, 12, 30, tzinfo=PARIS),
        reported_to=Regulator.EUDRAVIGILANCE,
        reference="EU-EC-42",
        now=dt.datetime(2025, 6, 3, tzinfo=dt.UTC),
    )

    assert susar_clock_sweep(now=DUE_AT + dt.timedelta(days=3)) == {"due_soon": 0, "overdue": 0}
    assert _sent(NoticeKind.SUSAR_OVERDUE) == 0


def test_the_notice_names_no_patient_detail_beyond_the_study_id(susar):
    susar_clock_sweep(now=DUE_AT)

    notice = Notice.objects.get(kind=NoticeKind.SUSAR_OVERDUE)
    patient = susar.assessment.report.patient
    assert str(patient.year_of_birth) not in notice.text
    assert "Pneumonitis" not in notice.text
