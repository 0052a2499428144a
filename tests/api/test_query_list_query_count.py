"""The queries API reads each page's steps and their authors in bulk: as many database
queries for 6 answered queries as for 2 (it was two more per query)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.services import query_answer, query_raise

URL = "/api/v1/queries/"


def _answered(patient, data_manager, coordinator, n: int) -> None:
    for i in range(n):
        query = query_raise(user=data_manager, record=patient, text=f"Question {i}")
        query_answer(user=coordinator, query=query, text="Checked.")


def _cost(api) -> tuple[int, int]:
    api.get(URL)  # the first call fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(URL)
    assert answer.status_code == 200
    return len(answer.json()["results"]), len(queries.captured_queries)


def test_it_lists_6_answered_queries_with_as_many_database_queries_as_2(
    api_as, patient_a, data_manager, coordinator
):
    api = api_as(data_manager)
    _answered(patient_a, data_manager, coordinator, 2)
    listed_two, for_two = _cost(api)
    _answered(patient_a, data_manager, coordinator, 4)
    listed_six, for_six = _cost(api)

    assert (listed_two, listed_six) == (2, 6)
    assert for_six == for_two
    steps = api.get(URL).json()["results"][0]["steps"]
    assert [s["action"] for s in steps] == ["raised", "answered"]
