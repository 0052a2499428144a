"""A paginated list links its first and last pages and two either side of the current one,
with a gap for the pages left out: as many links for 300 pages as for 30."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from dashboard.templatetags.page_links import page_links


def _page(pages: int, number: int):
    return Paginator(range(pages * 50), 50).page(number)


def test_it_links_the_ends_and_two_pages_either_side():
    assert page_links(_page(300, 150)) == [1, None, 148, 149, 150, 151, 152, None, 300]
    assert page_links(_page(300, 1)) == [1, 2, 3, None, 300]
    assert page_links(_page(5, 3)) == [1, 2, 3, 4, 5]


def test_it_renders_as_many_links_for_300_pages_as_for_30():
    def links(pages: int) -> int:
        request = RequestFactory().get("/", {"sort": "status", "page": 15})
        html = render_to_string(
            "includes/pagination.html", {"page": _page(pages, 15), "label": "Pages"}, request
        )
        assert 'href="?sort=status&amp;page=16"' in html
        return html.count("<li>")

    assert links(300) == links(30) == 2 + 9  # previous, next and the 9 of the first test
