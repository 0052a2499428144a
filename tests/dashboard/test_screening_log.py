"""The screening log (the landing page `/`): 50 patients a page, sortable, filterable, with
each patient's status and what they owe next.

Today is 2 June 2025. At site 03 (CHU Toulouse):
  03-001 screened 3 March, randomized, one cycle, treatment ended 13 March: in follow-up,
         M3 on 13 June (window 30 May - 27 June): due
  03-002 screened 10 March, randomized, one cycle, treatment ended 20 March: in follow-up,
         M3 on 20 June (window 6 June - 4 July): upcoming
  03-003 screened 1 April, eligible: owes the randomization
  03-004 screened 15 April, a screen failure: owes nothing
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from dashboard.selectors import PatientStatus
from randomization.models import Randomization
from tests.factories import UserFactory, all_criteria_met, screen_patient
from tests.visits.builders import PARIS, treated_patient

APL = {**all_criteria_met(), "EXC_APL": True}  # a screen failure


def _screened(site, user, on: dt.date, **values):
    """Screen a patient on `on`, their relapse documented 5 days before."""
    return screen_patient(
        site=site,
        user=user,
        consent_on=on,
        screened_on=on,
        disease_status_on=on - dt.timedelta(days=5),
        **values,
    )


def _in_follow_up(patient, user, screened_on: dt.date, ended_treatment_on: dt.date):
    """Randomized the day after screening, one cycle from the next day, ended on the date."""
    day = dt.timedelta(days=1)
    return treated_patient(
        patient,
        user,
        randomized_at=dt.datetime.combine(screened_on + day, dt.time(9), tzinfo=PARIS),
        cycle_started_on=screened_on + 2 * day,
        cycle_ended_on=screened_on + 8 * day,
        ended_treatment_on=ended_treatment_on,
    )


@pytest.fixture
def four_patients(site_a, coordinator, frozen_today):
    first = _screened(site_a, coordinator, dt.date(2025, 3, 3))
    second = _screened(site_a, coordinator, dt.date(2025, 3, 10))
    eligible = _screened(site_a, coordinator, dt.date(2025, 4, 1))
    failure = _screened(site_a, coordinator, dt.date(2025, 4, 15), answers=APL)
    _in_follow_up(first, coordinator, dt.date(2025, 3, 3), dt.date(2025, 3, 13))
    _in_follow_up(second, coordinator, dt.date(2025, 3, 10), dt.date(2025, 3, 20))
    return first, second, eligible, failure


def _ids(response) -> list[str]:
    return [row.patient.study_id for row in response.context["log_page"].rows]


def _as(client, user):
    client.force_login(user)
    return client


# --- Status and next due ------------------------------------------------------------------


def test_it_shows_each_patients_status_and_what_they_owe_next(client, coordinator, four_patients):
    response = _as(client, coordinator).get("/")

    rows = {row.patient.study_id: row for row in response.context["log_page"].rows}
    assert {study_id: row.status for study_id, row in rows.items()} == {
        "03-001": PatientStatus.FOLLOW_UP,
        "03-002": PatientStatus.FOLLOW_UP,
        "03-003": PatientStatus.ELIGIBLE,
        "03-004": PatientStatus.SCREEN_FAILURE,
    }
    m3 = rows["03-001"].next_due
    assert (m3.label, m3.due_on, m3.status) == ("Visit M3", dt.date(2025, 6, 13), "due")
    assert rows["03-002"].next_due.status == "upcoming"
    assert rows["03-003"].next_due.label == "Randomization"
    assert rows["03-004"].next_due is None
    page = response.content.decode()
    assert "In follow-up" in page and "Visit M3 · 13/06/2025" in page


# --- Sorting ------------------------------------------------------------------------------


def test_it_lists_the_newest_screening_first_unless_told_otherwise(
    client, coordinator, four_patients
):
    assert _ids(_as(client, coordinator).get("/")) == ["03-004", "03-003", "03-002", "03-001"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("study_id", ["03-001", "03-002", "03-003", "03-004"]),
        ("-study_id", ["03-004", "03-003", "03-002", "03-001"]),
        ("screened", ["03-001", "03-002", "03-003", "03-004"]),
        # In the order a patient goes through the trial: screen failure, eligible, follow-up.
        ("status", ["03-004", "03-003", "03-001", "03-002"]),
        ("-status", ["03-002", "03-001", "03-003", "03-004"]),
        # The earliest visit owed first; patients owing no visit last, in either direction.
        ("next_due", ["03-001", "03-002", "03-003", "03-004"]),
        ("-next_due", ["03-002", "03-001", "03-004", "03-003"]),
    ],
)
def test_it_sorts_by_the_column_asked_for(client, coordinator, four_patients, sort, expected):
    assert _ids(_as(client, coordinator).get("/", {"sort": sort})) == expected


def test_a_column_header_sorts_by_it_and_a_second_click_reverses(
    client, coordinator, four_patients
):
    page = _as(client, coordinator).get("/", {"sort": "status", "status": ""})
    links = page.context["sort_links"]

    assert links["status"].aria_sort == "ascending"
    assert links["status"].next_sort == "-status"
    assert links["study_id"].next_sort == "study_id"
    assert 'href="?sort=-status&amp;status="' in page.content.decode()


def test_an_unknown_sort_falls_back_to_the_newest_first(client, coordinator, four_patients):
    response = _as(client, coordinator).get("/", {"sort": "password"})

    assert response.status_code == 200
    assert _ids(response) == ["03-004", "03-003", "03-002", "03-001"]


# --- Filters ------------------------------------------------------------------------------


def test_it_shows_only_the_patients_of_the_status_chosen(client, coordinator, four_patients):
    response = _as(client, coordinator).get("/", {"status": "follow_up", "sort": "study_id"})

    assert _ids(response) == ["03-001", "03-002"]
    assert "2 shown by the filters" in response.content.decode()


def test_it_shows_the_screen_failures_when_asked(client, coordinator, four_patients):
    assert _ids(_as(client, coordinator).get("/", {"status": "screen_failure"})) == ["03-004"]


def test_an_unknown_status_is_said_and_the_log_shown_whole(client, coordinator, four_patients):
    response = _as(client, coordinator).get("/", {"status": "cured"})

    assert response.status_code == 200
    assert "status" in response.context["filter_form"].errors
    assert len(_ids(response)) == 4


def test_the_site_filter_narrows_the_log_to_one_site(
    client, data_manager, four_patients, patient_b
):
    everyone = _as(client, data_manager).get("/", {"sort": "study_id"})
    site_7 = client.get("/", {"site": "7"})

    assert "07-001" in _ids(everyone)
    assert _ids(site_7) == ["07-001"]


# --- The arm filter: only for a role that may see arms ------------------------------------


@pytest.fixture
def arms(four_patients):
    return dict(Randomization.objects.values_list("patient__study_id", "arm"))


def test_an_unblinded_role_filters_the_log_by_arm(client, statistician, arms):
    for arm in {"dex", "control"}:
        response = _as(client, statistician).get("/", {"arm": arm})

        assert "arm" in response.context["filter_form"].fields
        assert sorted(_ids(response)) == sorted(s for s, a in arms.items() if a == arm)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DATA_MANAGER, Role.SPONSOR, Role.MONITOR])
def test_a_blinded_role_has_no_arm_filter_and_is_refused_one(client, site_a, four_patients, role):
    user = UserFactory(username=f"blinded_{role}", role=role, sites=[site_a])
    _as(client, user)

    page = client.get("/")
    refused = client.get("/", {"arm": "dex"})

    assert "arm" not in page.context["filter_form"].fields
    assert 'name="arm"' not in page.content.decode()
    assert refused.status_code == 403
    assert "03-001" not in refused.content.decode()


# --- Pages ----------------------------------------------------------------------------------


@pytest.fixture
def fifty_five(site_a, coordinator, frozen_today):
    start = dt.date(2025, 1, 1)
    return [
        _screened(site_a, coordinator, start + dt.timedelta(days=n), answers=APL) for n in range(55)
    ]


def test_it_shows_fifty_patients_a_page_and_the_rest_on_the_next(client, coordinator, fifty_five):
    first = _as(client, coordinator).get("/", {"sort": "study_id"})
    second = client.get("/", {"sort": "study_id", "page": "2"})

    assert _ids(first) == [f"03-{n:03d}" for n in range(1, 51)]
    assert _ids(second) == [f"03-{n:03d}" for n in range(51, 56)]
    assert "51–55 of 55" in second.content.decode()


def test_page_links_keep_the_filters_and_the_sort(client, coordinator, fifty_five):
    page = _as(client, coordinator).get("/", {"status": "screen_failure", "sort": "-study_id"})
    html = page.content.decode()

    assert 'href="?status=screen_failure&amp;sort=-study_id&amp;page=2"' in html
    second = client.get("/", {"status": "screen_failure", "sort": "-study_id", "page": "2"})
    assert _ids(second) == [f"03-{n:03d}" for n in range(5, 0, -1)]


def test_a_page_beyond_the_last_shows_the_last(client, coordinator, fifty_five):
    assert len(_ids(_as(client, coordinator).get("/", {"page": "99"}))) == 5


def _queries(client, params) -> int:
    client.get("/", params)  # the first request fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "next_due"}, {"sort": "-status", "status": "follow_up"}],
    ids=["newest-first", "by-next-due", "filtered"],
)
def test_a_page_costs_the_same_queries_with_10_patients_as_with_120(
    client, site_a, coordinator, four_patients, params
):
    """Each patient's status and next due are read for the page in bulk, not per row."""
    _as(client, coordinator)
    for n in range(6):
        _screened(site_a, coordinator, dt.date(2025, 4, 20) + dt.timedelta(days=n))
    with_10 = _queries(client, params)
    for n in range(110):
        _screened(site_a, coordinator, dt.date(2024, 1, 1) + dt.timedelta(days=n))

    assert _queries(client, params) == with_10
