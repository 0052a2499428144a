"""The safety tables cost the same number of queries with 5 or 20 treated patients, each
with a serious adverse event (its SAE report read in the same query) and a grade 1 one:
the database counts them (endpoints.safety_counts)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from endpoints.safety_tables import safety_tables
from tests.endpoints.safety_trial import treated_with_adverse_events


def test_the_number_of_queries_does_not_grow_with_the_patients(
    site_a, coordinator, statistician, frozen_today, django_assert_max_num_queries
):
    treated_with_adverse_events(site_a, coordinator, 5)
    with CaptureQueriesContext(connection) as five:
        assert safety_tables(user=statistician).groups[-1].n == 5
    treated_with_adverse_events(site_a, coordinator, 15)

    with django_assert_max_num_queries(len(five.captured_queries)):
        tables = safety_tables(user=statistician)
    assert tables.groups[-1].n == 20
    assert len(tables.listing) == 20
    # Counted by the database, by arm: the population; the patients of each (term,
    # specification); the patients and events of each other row and class; then the SAE
    # listing (with their SAE reports).
    assert len(five.captured_queries) <= 4
