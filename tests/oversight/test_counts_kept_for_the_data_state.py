"""The DMC report's open part and the CONSORT page's flow are counted once per state of the
data (oversight/data_state_cache.py): a second reading comes from the cache, with the same
figures, and any write in between gives fresh ones at once."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.dmc_report import dmc_report
from tests.factories import screen_patient

TODAY = dt.date(2025, 6, 2)


def _open_part(dmc) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        content = dmc_report(user=dmc, cutoff=TODAY, part="open")
    return len(queries), content["open"]


def test_a_second_reading_of_the_open_part_comes_from_the_cache(consort_trial, dmc):
    counted, first = _open_part(dmc)
    kept, second = _open_part(dmc)

    assert kept < counted
    assert kept <= 3  # the data's state, whatever the size of the trial
    assert second == first


def test_a_write_in_between_gives_fresh_figures(consort_trial, dmc, site_a, coordinator):
    _, before = _open_part(dmc)

    screen_patient(site=site_a, user=coordinator)
    _, after = _open_part(dmc)

    assert after["consort"]["counts"]["assessed"] == before["consort"]["counts"]["assessed"] + 1


def test_the_consort_page_shows_a_new_screening_at_once(
    client, consort_trial, data_manager, site_a, coordinator
):
    client.force_login(data_manager)
    url = reverse("oversight-consort") + f"?cutoff={TODAY.isoformat()}"

    def assessed(page) -> int:
        return next(row["all"] for row in page.context["rows"] if row["box"].key == "assessed")

    first = assessed(client.get(url))
    assert assessed(client.get(url)) == first
    screen_patient(site=site_a, user=coordinator)
    assert assessed(client.get(url)) == first + 1
