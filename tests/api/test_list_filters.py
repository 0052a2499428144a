"""Every list filters by site, by the date of its records and by the time they changed
(`updated_since`, for incremental pulls); a malformed filter is a 400 naming it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from endpoints.models import AnalysisRun
from endpoints.services import analysis_run_execute
from tests.api.lists import (
    DATED_LISTS,
    LISTS,
    SITE_LISTS,
    batches,
    rows,
    sites_of,
)
from visits import services
from visits.models import ProtocolDeviation, TreatmentCycle

AFTER_THE_PULL = dt.datetime(2025, 6, 2, 16, 0, tzinfo=dt.UTC)
LAST_PULL = dt.datetime(2025, 6, 2, 15, 0, tzinfo=dt.UTC)


def test_it_filters_by_site_number(two_batches, data_manager, coordinator, api_as):
    everyone, site_3 = api_as(data_manager), api_as(coordinator)

    for endpoint in SITE_LISTS:
        assert sites_of(rows(everyone, endpoint.url, site=7)) == {7}, endpoint
        assert sites_of(rows(everyone, endpoint.url, site=3)) == {3}, endpoint
        assert rows(site_3, endpoint.url, site=7) == [], endpoint  # not another site's


def test_it_filters_by_the_date_of_each_kind_of_record(two_batches, data_manager, api_as):
    api = api_as(data_manager)

    for endpoint in DATED_LISTS:
        later_on = {
            endpoint.date_of(r) for r in rows(api, endpoint.url) if endpoint.batch_of(r) == "later"
        }
        assert len(later_on) == 1, endpoint
        day = later_on.pop().isoformat()
        day_before = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()

        assert batches(endpoint, rows(api, endpoint.url, date_from=day)) == ["later"], endpoint
        assert batches(endpoint, rows(api, endpoint.url, date_to=day_before)) == ["earlier"], (
            endpoint
        )
        assert batches(endpoint, rows(api, endpoint.url, date_from=day, date_to=day)) == [
            "later"
        ], endpoint


def test_it_pulls_only_the_rows_changed_since_a_moment(two_batches, data_manager, api_as):
    api = api_as(data_manager)

    for endpoint in LISTS:
        since = endpoint.since.isoformat()
        assert len(rows(api, endpoint.url)) == 2, endpoint
        assert batches(endpoint, rows(api, endpoint.url, updated_since=since)) == ["later"], (
            endpoint
        )


def test_it_reads_the_time_zone_of_updated_since(two_batches, data_manager, api_as):
    api = api_as(data_manager)

    # 13:00 in Paris is 11:00 UTC, between the batches (10:00 and 14:00 UTC).
    found = rows(api, "/api/v1/cycles/", updated_since="2025-06-02T13:00:00+02:00")
    nothing = rows(api, "/api/v1/cycles/", updated_since="2025-06-02T16:00:00+02:00")

    assert sites_of(found) == {3}
    assert nothing == []


def test_it_pulls_a_record_corrected_since_the_last_pull(
    two_batches, coordinator_b, data_manager, api_as
):
    cycle = TreatmentCycle.objects.get(patient=two_batches.earlier)
    with time_machine.travel(AFTER_THE_PULL, tick=False):
        services.cycle_update(
            cycle=cycle,
            user=coordinator_b,
            version=cycle.version,
            values={"delay_days": 2, "modification_note": "Neutropenia"},
            reason="Delay found in the chart",
        )

        found = rows(api_as(data_manager), "/api/v1/cycles/", updated_since=LAST_PULL.isoformat())

    assert [(row["study_id"], row["delay_days"]) for row in found] == [("07-001", 2)]


def test_it_pulls_a_deviation_corrected_since_the_last_pull(
    two_batches, coordinator_b, data_manager, api_as
):
    """A sponsor's copy must learn that a deviation was corrected, not only that it began."""
    cycle = TreatmentCycle.objects.get(patient=two_batches.earlier)
    deviation = ProtocolDeviation.objects.get(cycle=cycle)
    with time_machine.travel(AFTER_THE_PULL, tick=False):
        # Giving the arm's dexamethasone after all corrects the deviation.
        services.cycle_update(
            cycle=cycle,
            user=coordinator_b,
            version=cycle.version,
            reason="Chart re-read",
            values={
                "dexamethasone_given": not cycle.dexamethasone_given,
                "dexamethasone_mg": None if cycle.dexamethasone_given else 160,
            },
        )
        deviation.refresh_from_db()
        assert deviation.corrected_at is not None

        found = rows(
            api_as(data_manager), "/api/v1/deviations/", updated_since=LAST_PULL.isoformat()
        )

    assert [(row["id"], row["corrected_at"] is not None) for row in found] == [(deviation.pk, True)]


def test_it_pulls_an_analysis_run_finished_since_the_last_pull(two_batches, data_manager, api_as):
    """A run requested before the last pull was then still queued; its results come later."""
    with time_machine.travel(AFTER_THE_PULL, tick=False):
        for run_id in AnalysisRun.objects.values_list("pk", flat=True):
            analysis_run_execute(run_id=run_id)
        assert set(AnalysisRun.objects.values_list("status", flat=True)) == {"done"}

        found = rows(
            api_as(data_manager), "/api/v1/analysis-runs/", updated_since=LAST_PULL.isoformat()
        )

    assert sorted((run["cutoff"], run["status"]) for run in found) == [
        ("2025-05-01", "done"),
        ("2025-06-01", "done"),
    ]


MALFORMED = [
    ("site", "three"),
    ("site", "-3"),
    ("site", "³"),  # a digit to str.isdigit(), not to int()
    ("date_from", "05/03/2025"),
    ("date_from", "2025-02-30"),  # well formed, but no such day
    ("date_to", "yesterday"),
    ("date_to", "2025-13-01"),
    ("updated_since", "2025-06-01T00:00:00"),  # no time zone: ambiguous
    ("updated_since", "2025-06-01T25:00:00Z"),
    ("updated_since", "2025-06-01T00:00:00+18:00"),  # no zone is that far: PostgreSQL refuses
    ("updated_since", "last week"),
]


@pytest.mark.parametrize(("parameter", "value"), MALFORMED)
def test_it_answers_400_naming_a_malformed_filter(
    parameter, value, two_batches, data_manager, api_as
):
    api = api_as(data_manager)
    takes = {
        "site": SITE_LISTS,
        "date_from": DATED_LISTS,
        "date_to": DATED_LISTS,
        "updated_since": LISTS,
    }[parameter]

    answers = {endpoint.name: api.get(endpoint.url, {parameter: value}) for endpoint in takes}

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 400)
    for name, answer in answers.items():
        errors = answer.json()
        assert list(errors) == [parameter], name
        assert all(isinstance(m, str) and m for m in errors[parameter]), name
