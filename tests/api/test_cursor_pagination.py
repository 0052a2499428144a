"""Lists are paged with a cursor in creation order: following `next` gives every row once,
even one row at a time, and the filters stay on every page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.api.lists import LISTS, page, rows


def _key(row: dict) -> object:
    return row.get("id", row.get("study_id"))


def _follow(api, url: str, **params) -> tuple[list[dict], list[str]]:
    """Return every row reached by following `next`, and the links followed."""
    body = page(api, url, **params)
    found, links = list(body["results"]), []
    while body["next"]:
        links.append(body["next"])
        body = page(api, body["next"])
        found += body["results"]
        assert len(body["results"]) <= params.get("page_size", 100)
    return found, links


def test_it_gives_every_row_once_across_pages_of_one(two_batches, data_manager, api_as):
    api = api_as(data_manager)

    for endpoint in LISTS:
        everything = rows(api, endpoint.url)
        found, links = _follow(api, endpoint.url, page_size=1)

        assert len(everything) >= 2, endpoint
        assert [_key(r) for r in found] == [_key(r) for r in everything], endpoint
        assert len(links) == len(everything) - 1, endpoint
        for link in links:
            url = urlsplit(link)
            assert url.path == endpoint.url, link
            assert parse_qs(url.query).keys() == {"cursor", "page_size"}, link


def test_it_keeps_the_filters_on_the_next_pages(two_batches, data_manager, api_as):
    api = api_as(data_manager)

    found, links = _follow(api, "/api/v1/cycles/", date_from="2025-02-01", page_size=1)

    assert len(found) == 2
    assert len(links) == 1
    assert parse_qs(urlsplit(links[0]).query)["date_from"] == ["2025-02-01"]
