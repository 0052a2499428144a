"""The list of queries: what is open where, filtered by site, kind, status and age.

The data manager works through it every week; a coordinator sees their own site's. By
default it shows the open queries, with the per-site ageing above.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from review.models import DataQuery
from review.services import query_answer, query_close, query_raise

LIST = "/review/queries/"
TODAY = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def queries(patient_a, patient_b, data_manager, coordinator) -> dict[str, DataQuery]:
    """Four queries: two at each site, one automatic and 40 days old."""
    with time_machine.travel(TODAY - dt.timedelta(days=40), tick=False):
        old_automatic = query_raise(
            user=None,
            record=patient_b.screening,
            field_name="screened_on",
            check_code="VISIT_OUT_OF_WINDOW",
            text="Old automatic question",
        )
    open_a = query_raise(user=data_manager, record=patient_a.screening, text="Open at 03")
    answered_a = query_raise(user=data_manager, record=patient_a, text="Answered at 03")
    query_answer(user=coordinator, query=answered_a, text="Value is right.")
    closed_b = query_raise(user=data_manager, record=patient_b, text="Closed at 07")
    query_close(user=data_manager, query=closed_b)
    return {
        "open_a": open_a,
        "answered_a": answered_a,
        "closed_b": closed_b,
        "old_automatic": old_automatic,
    }


def _listed(client, queries, **filters) -> set[str]:
    page = client.get(LIST, filters)
    assert page.status_code == 200
    names = {q.pk: name for name, q in queries.items()}
    return {names[q.pk] for q in page.context["queries"]}


@pytest.fixture
def as_data_manager(client, data_manager):
    client.force_login(data_manager)
    return client


def test_it_shows_the_open_queries_by_default(as_data_manager, queries):
    assert _listed(as_data_manager, queries) == {"open_a", "old_automatic"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", {"open_a", "answered_a", "closed_b", "old_automatic"}),
        ("open", {"open_a", "old_automatic"}),
        ("answered", {"answered_a"}),
        ("closed", {"closed_b"}),
    ],
)
def test_it_filters_by_status(as_data_manager, queries, status, expected):
    assert _listed(as_data_manager, queries, status=status) == expected


def test_it_filters_by_site(as_data_manager, queries):
    assert _listed(as_data_manager, queries, site="7", status="") == {"closed_b", "old_automatic"}
    assert _listed(as_data_manager, queries, site="3", status="") == {"open_a", "answered_a"}


def test_it_filters_by_kind(as_data_manager, queries):
    assert _listed(as_data_manager, queries, kind="automatic", status="") == {"old_automatic"}
    assert _listed(as_data_manager, queries, kind="manual", status="") == {
        "open_a",
        "answered_a",
        "closed_b",
    }


@pytest.mark.parametrize(
    ("min_age", "expected"),
    [
        ("30", {"old_automatic"}),
        ("40", {"old_automatic"}),
        ("41", set()),
        ("soon", {"open_a", "old_automatic"}),  # not a number of days: no age filter
    ],
)
def test_it_filters_by_age(as_data_manager, queries, min_age, expected):
    assert _listed(as_data_manager, queries, min_age=min_age) == expected


def test_it_combines_the_filters(as_data_manager, queries):
    assert _listed(
        as_data_manager, queries, site="7", kind="automatic", status="open", min_age="30"
    ) == {"old_automatic"}
    assert _listed(as_data_manager, queries, site="3", kind="automatic", status="") == set()


def test_it_shows_who_raised_each_query(as_data_manager, queries):
    html = as_data_manager.get(LIST, {"status": ""}).content.decode()

    assert "<td>dm</td>" in html
    assert "<td>automatic check</td>" in html
    assert f'href="/patients/07-001/review/#query-{queries["old_automatic"].pk}"' in html


def test_it_shows_the_ageing_per_site(as_data_manager, queries):
    ageing = as_data_manager.get(LIST).context["ageing"]

    assert [(a.site.code, a.open, a.answered, a.older_than_30_days) for a in ageing] == [
        ("03", 1, 1, 0),
        ("07", 1, 0, 1),
    ]


def test_a_coordinator_sees_only_the_queries_of_their_site(client, coordinator, queries):
    client.force_login(coordinator)

    assert _listed(client, queries, status="") == {"open_a", "answered_a"}
    assert [a.site.code for a in client.get(LIST).context["ageing"]] == ["03"]
    assert client.get(LIST, {"site": "7"}).status_code == 404


def test_it_keeps_any_status_selected_after_filtering(as_data_manager, queries):
    html = as_data_manager.get(LIST, {"status": ""}).content.decode()

    assert '<option value="open" selected>' not in html
