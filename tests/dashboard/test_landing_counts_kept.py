"""The landing page's counts over the whole visible trial (screened, eligible, screen
failures, SAE reports to submit, open deviations, open and answered queries) are counted once
per state of the data and account: a second view reads them from the cache, and any write in
between shows at once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import landing_counts
from review.services import query_raise
from tests.factories import screen_patient


def _counted(user, site=None):
    with CaptureQueriesContext(connection) as queries:
        counts = landing_counts(user, site)
    return counts, [q["sql"] for q in queries.captured_queries]


def _counts_the_trial(sql: list[str]) -> bool:
    return any("COUNT(" in statement for statement in sql)


def test_a_second_view_reads_the_counts_from_the_cache(data_manager, patient_a, patient_b):
    first, counted = _counted(data_manager)
    second, kept = _counted(data_manager)

    assert _counts_the_trial(counted) and not _counts_the_trial(kept)
    assert len(kept) <= 2  # the data's state, whatever the size of the trial
    assert second == first
    assert first.totals.screened == 2


def test_a_new_screening_counts_at_once(data_manager, patient_a, site_a, coordinator):
    before, _ = _counted(data_manager)

    screen_patient(site=site_a, user=coordinator)
    after, counted = _counted(data_manager)

    assert _counts_the_trial(counted)
    assert after.totals.screened == before.totals.screened + 1


def test_a_query_raised_counts_at_once(data_manager, patient_a):
    before, _ = _counted(data_manager)

    query_raise(user=data_manager, record=patient_a.screening, field_name="ecog", text="ECOG?")
    after, _ = _counted(data_manager)

    assert after.queries["open"] == before.queries["open"] + 1


def test_each_account_counts_what_it_sees(data_manager, coordinator, patient_a, patient_b):
    everyone, _ = _counted(data_manager)
    own_site, _ = _counted(coordinator)  # kept for another account: counted for this one

    assert (everyone.totals.screened, own_site.totals.screened) == (2, 1)


def test_one_site_is_counted_apart(data_manager, patient_a, patient_b, site_a):
    everyone, _ = _counted(data_manager)
    one_site, _ = _counted(data_manager, site_a)

    assert (everyone.totals.screened, one_site.totals.screened) == (2, 1)


def test_the_landing_page_shows_a_new_screening_at_once(client, coordinator, patient_a, site_a):
    client.force_login(coordinator)

    assert client.get("/").context["totals"].screened == 1
    assert client.get("/").context["totals"].screened == 1
    screen_patient(site=site_a, user=coordinator)
    assert client.get("/").context["totals"].screened == 2
