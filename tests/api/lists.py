"""The list endpoints of API v1 and what tells their rows apart in the tests' data.

The data (tests/api/conftest.py `two_batches`) come in two batches: an earlier one at site
7, entered at 10:00 UTC and dated a week before the later one, entered at site 3 at
14:00 UTC. Each list must tell the two apart by site, by date and by time of change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rest_framework.test import APIClient

EARLIER_SITE, LATER_SITE = 7, 3
EARLIER_RANDOMIZED_ON, LATER_RANDOMIZED_ON = dt.date(2025, 2, 26), dt.date(2025, 3, 5)
EARLIER_MADE_AT = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)  # the suite's frozen today
PULLED_AT = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)
LATER_MADE_AT = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)
EARLIER_CUTOFF, LATER_CUTOFF = dt.date(2025, 5, 1), dt.date(2025, 6, 1)


@dataclass(frozen=True)
class ListEndpoint:
    name: str
    date_key: str | None  # the row's field that date_from and date_to filter on
    # An updated_since between the two batches' times of change.
    since: dt.datetime = PULLED_AT
    by_site: bool = True

    @property
    def url(self) -> str:
        return f"/api/v1/{self.name}/"

    def batch_of(self, row: dict[str, Any]) -> str:
        """Return "later" or "earlier": the batch this row was made in."""
        if self.by_site:
            return "later" if row["site"] == LATER_SITE else "earlier"
        return "later" if row["cutoff"] == LATER_CUTOFF.isoformat() else "earlier"

    def date_of(self, row: dict[str, Any]) -> dt.date:
        value: Any = row
        for key in self.date_key.split("."):
            value = value[key]
        return dt.date.fromisoformat(value[:10])  # a date-time is given in the trial's zone

    def __str__(self) -> str:
        return self.name


LISTS = (
    ListEndpoint("patients", "screening.screened_on"),
    # A randomization never changes: its time of change is the time it was given.
    ListEndpoint("randomizations", "randomized_at", since=dt.datetime(2025, 3, 1, tzinfo=dt.UTC)),
    ListEndpoint("biology-specimens", "collected_on"),
    ListEndpoint("disease-histories", None),
    ListEndpoint("prior-regimens", "started_on"),
    ListEndpoint("cycles", "started_on"),
    ListEndpoint("blood-counts", "sampled_on"),
    ListEndpoint("transfusions", "given_on"),
    ListEndpoint("responses", "assessed_on"),
    ListEndpoint("mrd-assessments", "assessed_on"),
    ListEndpoint("transplants", "transplanted_on"),
    ListEndpoint("transplant-events", "occurred_on"),
    ListEndpoint("ends-of-treatment", "ended_on"),
    ListEndpoint("follow-up-visits", "target_on"),
    ListEndpoint("off-study", "event_on"),
    ListEndpoint("adverse-events", "onset_on"),
    ListEndpoint("concomitant-medications", "started_on"),
    ListEndpoint("deviations", None),
    ListEndpoint("analysis-runs", "cutoff", by_site=False),
)
SITE_LISTS = tuple(e for e in LISTS if e.by_site)
DATED_LISTS = tuple(e for e in LISTS if e.date_key)


def page(api: APIClient, url: str, **params: Any) -> dict[str, Any]:
    response = api.get(url, params)
    assert response.status_code == 200, (url, params, response.content)
    return response.json()


def rows(api: APIClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Return the rows of the first page (100 rows, more than any test makes)."""
    body = page(api, url, **params)
    assert body["next"] is None, f"{url} has more than one page"
    return body["results"]


def batches(endpoint: ListEndpoint, found: list[dict[str, Any]]) -> list[str]:
    return sorted(endpoint.batch_of(row) for row in found)


def sites_of(found: list[dict[str, Any]]) -> set[int]:
    return {row["site"] for row in found}
