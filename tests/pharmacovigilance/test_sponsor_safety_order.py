"""The sponsor safety page's order, kept by the database, at every moment of the clocks.

The page reads one page of cases at a time, in this order (the urgent first):
1. SUSARs overdue for a report to the regulators;
2. other SUSARs with a report still owed (the initial report, or a fatal SUSAR's day-15
   follow-up), the earliest deadline first;
3. SAEs whose site missed the 24 hours of the initial report;
4. SAEs to assess, or to re-assess after a follow-up;
5. SAEs awaiting the site's initial report;
each of these by the earliest deadline (the SUSAR's report owed, else the site's 24 hours);
6. then the rest, assessed with nothing owed, the latest awareness first.
The database orders and filters every case; the cases are compared here with the rule above
applied to what each case shows on the page (its clocks and status).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from pharmacovigilance.classification import SponsorCausality
from pharmacovigilance.models import Regulator, Susar
from pharmacovigilance.selectors import (
    AssessmentStatus,
    SafetyCase,
    sponsor_safety_cases,
)
from pharmacovigilance.services import sae_assess, susar_report_record
from protocol.safety import SaeCausality
from tests.pharmacovigilance.conftest import ONSET_ON, opinions, submit_sae
from tests.visits.builders import record_adverse_event


def _at(day: int, month: int = 6, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
def cases(ic_patient, coordinator, investigator, pharmacovigilance):
    """On 2 June: a SUSAR (day 15 is 17 June); a fatal SUSAR (day 7 is 9 June, the follow-up
    day 15), its initial report sent on 5 June; an SAE submitted, not yet assessed; an SAE
    both find unrelated; an SAE opened and never submitted. On 20 June 09:00 UTC: a SUSAR
    (day 15 is 5 July) and another SAE opened."""
    made: dict[str, int] = {}

    def susar(name: str, **criteria) -> None:
        report = submit_sae(ic_patient, coordinator, investigator, **criteria)
        sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))
        made[name] = report.pk

    susar("susar")
    susar("fatal", life_threatening=True)
    with time_machine.travel(_at(5), tick=False):
        susar_report_record(
            susar=Susar.objects.get(assessment__report_id=made["fatal"]),
            user=pharmacovigilance,
            reported_at=_at(5),
            reported_to=Regulator.BOTH,
            reference="EU-EC-10001234",
        )
    made["to assess"] = submit_sae(ic_patient, coordinator, investigator, term="Sepsis").pk
    unrelated = submit_sae(
        ic_patient, coordinator, investigator, term="Epistaxis", causality=SaeCausality.NOT_RELATED
    )
    sae_assess(
        report=unrelated,
        user=pharmacovigilance,
        opinions=opinions(unrelated, causality=SponsorCausality.NOT_RELATED),
    )
    made["unrelated"] = unrelated.pk
    made["opened"] = record_adverse_event(
        ic_patient, coordinator, ONSET_ON, term="Febrile neutropenia", grade=3
    ).sae_report.pk
    with time_machine.travel(_at(20, hour=9), tick=False):
        susar("recent")
        made["opened later"] = record_adverse_event(
            ic_patient, coordinator, ONSET_ON, term="Hypokalemia", grade=3
        ).sae_report.pk
    return made


def _protocol_order(case: SafetyCase) -> tuple:
    """The module's rule, from what the page shows of the case."""
    susar = case.susar
    if susar is not None and susar.overdue:
        rank = 0
    elif susar is not None and susar.open_deadline is not None:
        rank = 1
    elif case.site_overdue:
        rank = 2
    elif case.status in (AssessmentStatus.TO_ASSESS, AssessmentStatus.TO_REASSESS):
        rank = 3
    elif case.status is AssessmentStatus.AWAITING_REPORT:
        rank = 4
    else:
        return (5, -case.report.site_aware_at.timestamp(), case.report.pk)
    owed = susar.open_deadline if susar is not None else None
    return (rank, (owed.due_at if owed else case.site_clock.due_at).timestamp(), case.report.pk)


MOMENTS = [
    _at(2, hour=12),  # everything running; the opened SAE within its 24 hours
    _at(8),  # the opened SAE's site clock overdue; the fatal SUSAR's follow-up owed
    _at(16, hour=12),  # the two SUSARs due within 48 hours
    _at(17, hour=22),  # day 15 over in Paris (midnight CEST): both overdue
    _at(20, hour=10),  # the recent SUSAR running, the SAE opened later within its 24 hours
    _at(6, month=7),  # the recent SUSAR's day 15 over too
]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: f"{m:%d %B %H:%M} UTC")
def test_it_lists_the_cases_in_the_protocols_order(pharmacovigilance, cases, now):
    listed = list(sponsor_safety_cases(pharmacovigilance, now=now))

    assert len(listed) == len(cases)
    assert [c.report.pk for c in listed] == [
        c.report.pk for c in sorted(listed, key=_protocol_order)
    ]


def test_the_order_on_17_june_evening(pharmacovigilance, cases):
    """Day 15 of the first SUSARs ended at 22:00 UTC (midnight in Paris)."""
    listed = sponsor_safety_cases(pharmacovigilance, now=_at(17, hour=22))

    assert [c.report.pk for c in listed] == [
        cases["susar"],  # overdue since 22:00 UTC, day 15 of 2 June
        cases["fatal"],  # its follow-up overdue at the same instant, a later report id
        cases["recent"],  # running
        cases["opened"],  # the site's 24 hours over on 3 June
        cases["to assess"],
        cases["opened later"],  # awaiting its initial report
        cases["unrelated"],
    ]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: f"{m:%d %B %H:%M} UTC")
def test_each_filter_keeps_the_order_and_the_cases_it_names(pharmacovigilance, cases, now):
    every = list(sponsor_safety_cases(pharmacovigilance, now=now))

    def kept(**filters) -> list[int]:
        return [c.report.pk for c in sponsor_safety_cases(pharmacovigilance, now=now, **filters)]

    assert kept(status="susar") == [c.report.pk for c in every if c.susar is not None]
    for status in AssessmentStatus:
        assert kept(status=status) == [c.report.pk for c in every if c.status == status]
    assert kept(overdue=True) == [c.report.pk for c in every if c.overdue]


def test_a_page_reads_only_its_own_cases(pharmacovigilance, cases, django_assert_num_queries):
    listed = sponsor_safety_cases(pharmacovigilance, now=_at(17, hour=22))

    # The slice's ids in the page's order, then the slice's reports: whatever the trial's size.
    with django_assert_num_queries(2):
        page = listed[2:4]

    assert [c.report.pk for c in page] == [cases["recent"], cases["opened"]]
    assert listed.count() == len(cases)
