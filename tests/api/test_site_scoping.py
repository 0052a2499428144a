"""Each role sees the records of its sites: coordinators and investigators their own site's,
data managers, sponsors and the statistician every site's. Analysis runs are not site data:
every role lists them (their comparative results are another matter: see blinding)."""

from __future__ import annotations

import pytest

from tests.api.lists import SITE_LISTS, rows, sites_of

ROLE_SITES = {
    "coordinator": {3},
    "investigator": {3},
    "coordinator_b": {7},
    "data_manager": {3, 7},
    "sponsor": {3, 7},
    "statistician": {3, 7},
}


@pytest.mark.parametrize(("role", "sites"), ROLE_SITES.items())
def test_it_lists_only_the_sites_and_records_a_role_may_see(
    role, sites, request, two_batches, api_as
):
    api = api_as(request.getfixturevalue(role))

    seen = {endpoint.name: sites_of(rows(api, endpoint.url)) for endpoint in SITE_LISTS}
    listed_sites = api.get("/api/v1/sites/")

    assert seen == {endpoint.name: sites for endpoint in SITE_LISTS}
    assert listed_sites.status_code == 200
    assert [site["number"] for site in listed_sites.json()] == sorted(sites)
    assert [run["cutoff"] for run in rows(api, "/api/v1/analysis-runs/")] == [
        "2025-05-01",
        "2025-06-01",
    ]
