"""The query list shows one page of queries, newest first, with page links that keep the
filters: its cost does not grow with the trial's thousands of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review import views
from review.services import query_raise

LIST = "/review/queries/"


@pytest.fixture
def five_queries(patient_a, data_manager):
    return [
        query_raise(user=data_manager, record=patient_a, text=f"Question {n}") for n in range(5)
    ]


def _texts(page) -> list[str]:
    return [q.text for q in page.context["queries"]]


def test_it_lists_the_queries_two_a_page_newest_first(
    client, data_manager, five_queries, monkeypatch
):
    monkeypatch.setattr(views, "QUERY_PAGE_SIZE", 2)
    client.force_login(data_manager)

    first = client.get(LIST, {"status": "open"})
    last = client.get(LIST, {"status": "open", "page": 3})

    assert _texts(first) == ["Question 4", "Question 3"]
    assert _texts(last) == ["Question 0"]
    assert 'href="?status=open&amp;page=2"' in first.content.decode()


def test_it_reads_a_page_with_as_many_queries_for_5_queries_as_for_1(
    client, data_manager, patient_a, monkeypatch
):
    monkeypatch.setattr(views, "QUERY_PAGE_SIZE", 2)
    client.force_login(data_manager)
    query_raise(user=data_manager, record=patient_a, text="The first")
    client.get(LIST)
    with CaptureQueriesContext(connection) as for_one:
        client.get(LIST)
    for n in range(4):
        query_raise(user=data_manager, record=patient_a, text=f"Another {n}")
    with CaptureQueriesContext(connection) as for_five:
        page = client.get(LIST)

    assert len(page.context["queries"]) == 2
    assert len(for_five.captured_queries) == len(for_one.captured_queries)
