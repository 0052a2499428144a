"""Analysis runs through the API: while the trial runs, only the unblinded roles (the trial
statistician, the data monitoring committee) see results compared by arm; every other role
gets the pooled figures alone (tests/api/test_results_by_arm_stay_confidential.py sweeps
every role before and after the unblinding of the trial)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from endpoints.services import analysis_run_request
from tests.api.lists import rows

BY_ARM_KEYS = {
    "by_arm",
    "comparison",
    "n_by_arm",
    "best_response_by_arm",
    "rates",
    "transplant_rate",
}


def _keys(value: Any) -> Iterator[str]:
    """Yield every key of a nested JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


@pytest.fixture
def finished_run(two_batches, statistician, settings, django_capture_on_commit_callbacks):
    """A run computed by the Celery task, run in this process once the request commits."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        run = analysis_run_request(user=statistician)
    run.refresh_from_db()
    assert run.status == run.Status.DONE, run.error
    return run


def _results(api, run) -> dict[str, Any]:
    (found,) = [r for r in rows(api, "/api/v1/analysis-runs/") if r["id"] == run.pk]
    assert found["status"] == "done"
    return found["results"]


@pytest.mark.parametrize("role", ["sponsor", "investigator", "coordinator", "data_manager"])
def test_it_shows_a_blinded_role_only_pooled_results(role, request, finished_run, api_as):
    results = _results(api_as(request.getfixturevalue(role)), finished_run)

    assert results["n_randomized"] == 2
    assert set(results["endpoints"]) == {"OS", "EFS", "LFS", "OS_HSCT_CENSORED"}
    assert {e["pooled"]["n"] for e in results["endpoints"].values()} == {2}
    assert set(_keys(results)) & BY_ARM_KEYS == set()


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_it_shows_the_unblinded_roles_results_by_arm(role, request, finished_run, api_as):
    results = _results(api_as(request.getfixturevalue(role)), finished_run)

    assert {"by_arm", "comparison", "n_by_arm"} <= set(_keys(results))
    assert sum(results["n_by_arm"].values()) == 2
    for endpoint in results["endpoints"].values():
        assert set(endpoint) == {"pooled", "by_arm", "comparison"}
        assert set(endpoint["by_arm"]) == {"dex", "control"}
