"""The coordinator's worklist: follow-up visits to do this month at my sites.

Listed: every visit neither done nor missed whose window opens by the end of the current
month, with its status today: upcoming (its window opens later this month), due (the
window is open) or overdue (the window closed, from this month or before).

Today is 2 June 2025. Each patient had cycle 1 on 6-12 March; treatment ended on
  03-001 (site 3): 13 March → M3 on 13 June, window 30 May - 27 June
  03-002 (site 3): 20 March → M3 on 20 June, window 6 June - 4 July
  07-001 (site 7): 25 March → M3 on 25 June, window 11 June - 9 July
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

import protocol
from tests.factories import screen_patient
from tests.visits.builders import at_noon_in_paris, treated_patient
from visits import services
from visits.models import FollowUpVisit
from visits.schedule import VisitStatus
from visits.selectors import worklist


def _treated(patient, user, ended_treatment_on):
    return treated_patient(
        patient,
        user,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=ended_treatment_on,
    )


@pytest.fixture
def three_patients(site_a, patient_a, patient_b, coordinator, coordinator_b):
    second = screen_patient(site=site_a, user=coordinator)
    return (
        _treated(patient_a, coordinator, dt.date(2025, 3, 13)),
        _treated(second, coordinator, dt.date(2025, 3, 20)),
        _treated(patient_b, coordinator_b, dt.date(2025, 3, 25)),
    )


def _listed(user, **kwargs) -> list[tuple[str, str, str]]:
    return [(row.study_id, row.visit.label, row.status) for row in worklist(user, **kwargs)]


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (dt.date(2025, 5, 29), VisitStatus.UPCOMING),
        (dt.date(2025, 5, 30), VisitStatus.DUE),
        (dt.date(2025, 6, 27), VisitStatus.DUE),
        (dt.date(2025, 6, 28), VisitStatus.OVERDUE),
    ],
)
def test_it_shows_a_visit_due_from_the_day_its_window_opens_to_the_day_it_closes(
    three_patients, coordinator, today, status
):
    assert ("03-001", "M3", status) in _listed(coordinator, today=today)


def test_it_lists_a_visit_whose_window_opens_later_this_month_as_upcoming(
    three_patients, coordinator
):
    assert _listed(coordinator) == [
        ("03-001", "M3", VisitStatus.DUE),
        ("03-002", "M3", VisitStatus.UPCOMING),
    ]


def test_it_leaves_out_visits_whose_window_opens_after_this_month(three_patients, coordinator):
    assert _listed(coordinator, today=dt.date(2025, 4, 30)) == []
    # On 31 May only the 03-001 M3 window (from 30 May) has opened this month.
    assert _listed(coordinator, today=dt.date(2025, 5, 31)) == [("03-001", "M3", VisitStatus.DUE)]


def test_it_keeps_an_overdue_visit_listed_until_it_is_done_or_missed(three_patients, coordinator):
    first, second, _ = three_patients
    august = dt.date(2025, 8, 10)
    assert _listed(coordinator, today=august) == [
        ("03-001", "M3", VisitStatus.OVERDUE),
        ("03-002", "M3", VisitStatus.OVERDUE),
        ("03-001", "M6", VisitStatus.UPCOMING),  # window 30 August - 27 September
    ]

    with time_machine.travel(at_noon_in_paris(august), tick=False):
        m3 = FollowUpVisit.objects.get(patient=first, month=3)
        services.followup_visit_record(
            visit=m3,
            user=coordinator,
            version=m3.version,
            values={
                "performed_on": dt.date(2025, 6, 30),
                "vital_status": protocol.VitalStatus.ALIVE,
            },
        )
        m3 = FollowUpVisit.objects.get(patient=second, month=3)
        services.followup_visit_miss(
            visit=m3,
            user=coordinator,
            version=m3.version,
            missed_reason="Patient unreachable in July",
        )

    assert _listed(coordinator, today=august) == [("03-001", "M6", VisitStatus.UPCOMING)]


def test_it_shows_each_coordinator_the_visits_of_their_own_sites_only(
    three_patients, coordinator, coordinator_b, investigator, data_manager, site_b
):
    assert {study_id for study_id, _, _ in _listed(coordinator)} == {"03-001", "03-002"}
    assert {study_id for study_id, _, _ in _listed(investigator)} == {"03-001", "03-002"}
    assert _listed(coordinator_b) == [("07-001", "M3", VisitStatus.UPCOMING)]
    assert {study_id for study_id, _, _ in _listed(data_manager)} == {"03-001", "03-002", "07-001"}
    assert _listed(data_manager, site=site_b) == [("07-001", "M3", VisitStatus.UPCOMING)]


@pytest.fixture
def long_followed(site_a, coordinator, frozen_today):
    """03-001, treated in 2022: on 20 July 2025 its M36 (1 July, ±30 days) is due. Every
    earlier visit was missed. Then 03-002 and its M3 (2 July, ±14 days), overdue by then."""
    early = screen_patient(
        site=site_a,
        user=coordinator,
        consent_on=dt.date(2022, 5, 20),
        screened_on=dt.date(2022, 5, 25),
        age_at_consent=61,
        diagnosis_on=dt.date(2021, 1, 10),
        disease_status_on=dt.date(2022, 5, 10),
    )
    treated_patient(
        early,
        coordinator,
        cycle_started_on=dt.date(2022, 5, 27),
        cycle_ended_on=dt.date(2022, 6, 2),
        ended_treatment_on=dt.date(2022, 7, 1),
        randomized_at=at_noon_in_paris(dt.date(2022, 5, 26)),
    )
    for visit in FollowUpVisit.objects.filter(patient=early, month__lte=30):
        services.followup_visit_miss(
            visit=visit,
            user=coordinator,
            version=visit.version,
            missed_reason="Followed at another centre",
        )
    recent = screen_patient(site=site_a, user=coordinator)
    _treated(recent, coordinator, dt.date(2025, 4, 2))
    return dt.date(2025, 7, 20)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("target", ["03-001 M36", "03-002 M3"]),  # 1 July, 2 July
        ("window_closes", ["03-002 M3", "03-001 M36"]),  # 16 July, 31 July
        ("status", ["03-002 M3", "03-001 M36"]),  # overdue first
        ("study_id", ["03-001 M36", "03-002 M3"]),
        ("no-such-sort", ["03-001 M36", "03-002 M3"]),  # falls back to the target date
    ],
)
def test_it_sorts_the_worklist(long_followed, coordinator, sort, order):
    rows = worklist(coordinator, today=long_followed, sort=sort)

    assert [f"{row.study_id} {row.visit.label}" for row in rows] == order
    assert {row.visit.label: row.status for row in rows} == {
        "M36": VisitStatus.DUE,
        "M3": VisitStatus.OVERDUE,
    }


def test_it_shows_the_worklist_page_with_the_visits_and_their_status(
    client, three_patients, coordinator
):
    client.force_login(coordinator)

    page = client.get("/worklist/")

    assert page.status_code == 200
    assert [(row.study_id, row.visit.label) for row in page.context["rows"]] == [
        ("03-001", "M3"),
        ("03-002", "M3"),
    ]
    # The visit opens with the way back to this worklist (test_visit_return_to_worklist.py).
    assert 'href="/patients/03-001/visits/M3/?next=%2Fworklist%2F"' in page.text
    assert '<span class="badge status-due">Due</span>' in page.text
    assert '<span class="badge status-upcoming">Upcoming</span>' in page.text
    assert "07-001" not in page.text


def test_it_sorts_and_filters_the_worklist_page(client, three_patients, data_manager):
    client.force_login(data_manager)

    page = client.get("/worklist/", {"site": "7", "sort": "window_closes"})

    assert page.status_code == 200
    assert [row.study_id for row in page.context["rows"]] == ["07-001"]
    assert page.context["sort"] == "window_closes"


def test_it_refuses_another_sites_worklist_to_a_coordinator(client, three_patients, coordinator):
    client.force_login(coordinator)

    assert client.get("/worklist/", {"site": "7"}).status_code == 404
