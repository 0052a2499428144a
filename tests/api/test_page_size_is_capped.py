"""A list page holds at most 200 rows whatever page_size asks: more rows are reached by
following `next`, so no single request costs the server a whole trial's rows."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import Site
from api.base import IdCursorPagination

CAP = 200


def _page(url: str) -> tuple[list[Site], IdCursorPagination]:
    """One page of every site, as the lists of API v1 page their rows."""
    pagination = IdCursorPagination()
    rows = pagination.paginate_queryset(Site.objects.all(), Request(APIRequestFactory().get(url)))
    assert rows is not None
    return rows, pagination


def test_it_gives_200_rows_when_1000_are_asked(db):
    Site.objects.bulk_create(
        Site(number=100 + i, name=f"Hospital {i}", active=True, language="en")
        for i in range(CAP + 5)
    )

    first, pagination = _page("/api/v1/sites/?page_size=1000")
    rest, _ = _page(pagination.get_next_link())

    assert len(first) == CAP
    assert len(rest) == 5
    assert {s.pk for s in first} | {s.pk for s in rest} == set(
        Site.objects.values_list("pk", flat=True)
    )


def test_the_schema_tells_the_cap(db, data_manager, api_as):
    schema = api_as(data_manager).get("/api/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/patients/"]["get"]["parameters"]
    (size,) = [p for p in parameters if p["name"] == "page_size"]
    assert "at most 200" in size["description"]
