"""The page links of a paginated list: a few around the current page, not one per page, so
the links cost the same for a list of 3 pages as for one of 300."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def page_links(page: Page) -> list[int | None]:
    """Return the numbers of the pages to link: the first, the last and two either side of
    this one, with None where pages are left out (shown as a gap)."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    # The range gives the numbers as int and each gap as the paginator's ELLIPSIS text.
    return [number if isinstance(number, int) else None for number in numbers]
