"""The screening log's pages, one after another, list the log in its order, for every sort:
a page reads its patients' ids in the log's order first, then those patients, so a deep page
costs little more than the first, and no patient is shown twice or skipped."""

from __future__ import annotations

import pytest

from dashboard import selectors
from dashboard.selectors import LOG_SORTS, LogFilters, screening_log_filtered, screening_log_page
from tests.factories import screen_patient

SORTS = [*LOG_SORTS, *(f"-{key}" for key in LOG_SORTS)]


@pytest.mark.parametrize("sort", SORTS)
def test_the_pages_list_the_log_in_its_order(
    site_a, coordinator, data_manager, frozen_today, monkeypatch, sort
):
    for _ in range(5):
        screen_patient(site=site_a, user=coordinator)
    monkeypatch.setattr(selectors, "LOG_PAGE_SIZE", 2)

    pages = [screening_log_page(data_manager, LogFilters(), sort, n) for n in (1, 2, 3)]

    shown = [(row.patient.study_id, row.status) for page in pages for row in page.rows]
    log = screening_log_filtered(data_manager, LogFilters(), sort)
    assert shown == [(p.study_id, p.status) for p in log]
    assert [len(page.rows) for page in pages] == [2, 2, 1]
    assert [page.page.number for page in pages] == [1, 2, 3]
