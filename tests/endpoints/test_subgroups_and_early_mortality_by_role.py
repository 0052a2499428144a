"""The subgroup analysis of OS and 30/60-day mortality on the analyses page and in the API.

By-arm results are confidential while the trial runs (randomization/blinding.py): the
statistician and the data monitoring committee see the forest plot, the hazard ratio per
subgroup and the interaction p, and the early mortality by arm; every other role sees the
pooled early mortality only — no subgroup figure on the page, none in the API, and the
forest plot itself refused. The figures come from the records through the worker's run.

Measured on 10 September 2025: eight patients randomized on 5 March 2025 (day 0), half
NPM1-mutated at screening; one died on 4 April (day 30), one on 5 April (day 31).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

import protocol
from accounts.services import api_token_issue
from endpoints.models import AnalysisRun
from endpoints.services import analysis_run_request
from tests.factories import screen_patient
from tests.visits.builders import RANDOMIZED_AT, at_noon_in_paris, death_values, randomize
from visits import services as visit_services

MEASURED_ON = dt.date(2025, 9, 10)
DASHBOARD = reverse("analysis-dashboard")
BLINDED_ROLES = ["investigator", "data_manager", "coordinator", "sponsor"]
DAY_30, DAY_31 = dt.date(2025, 4, 4), dt.date(2025, 4, 5)


@pytest.fixture
def run(
    frozen_today, site_a, coordinator, statistician, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with time_machine.travel(at_noon_in_paris(MEASURED_ON), tick=False):
        randomizations = []
        for hour in range(8):
            npm1 = "detected" if hour % 2 else "not_detected"
            patient = screen_patient(
                site=site_a, user=coordinator, mutations={"NPM1": npm1, "RUNX1": "not_detected"}
            )
            randomizations.append(
                randomize(patient, coordinator, at=RANDOMIZED_AT + dt.timedelta(hours=hour))
            )
        for randomization, died_on in zip(randomizations[:2], (DAY_30, DAY_31), strict=True):
            visit_services.off_study_record(
                patient=randomization.patient, user=coordinator, values=death_values(died_on)
            )
        with django_capture_on_commit_callbacks(execute=True):
            requested = analysis_run_request(user=statistician)
        requested.refresh_from_db()
        assert requested.status == AnalysisRun.Status.DONE, requested.error
        yield requested


def _api_results(user, run: AnalysisRun) -> dict:
    api = APIClient()
    _, token = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get("/api/v1/analysis-runs/").json()
    (found,) = [r for r in body["results"] if r["id"] == run.pk]
    return found["results"]


def _forest(run: AnalysisRun) -> str:
    return reverse("analysis-figure", args=[run.pk, "OS_SUBGROUPS", "by_arm"])


def test_it_counts_the_death_on_day_30_and_not_the_one_on_day_31_in_30_day_mortality(run):
    pooled = run.results["early_mortality"]["pooled"]

    assert pooled["n"] == 8
    assert pooled["windows"]["30"]["deaths"] == 1
    assert pooled["windows"]["60"]["deaths"] == 2
    # The six survivors have no record after randomization: last known alive on day 0.
    # Crudely they count as alive (1/8); Kaplan-Meier leaves 2 at risk on day 30 (1/2).
    assert pooled["windows"]["30"]["censored_before"] == 6
    assert pooled["windows"]["30"]["crude"]["rate"] == pytest.approx(1 / 8)
    assert pooled["windows"]["30"]["km"]["estimate"] == pytest.approx(1 / 2)


def test_it_reads_the_subgroups_from_the_screening_panel(run):
    factors = {f["code"]: f for f in run.results["os_subgroups"]["factors"]}

    assert [level["n"] for level in factors["NPM1"]["levels"]] == [4, 4]
    assert [level["n"] for level in factors["RUNX1"]["levels"]] == [0, 8]
    # The factory's investigator ELN entry: every patient intermediate risk.
    assert [level["n"] for level in factors["eln_risk"]["levels"]] == [0, 8, 0]
    assert factors["eln_risk"]["interaction"]["not_estimable"] == "One level only."


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_it_shows_the_unblinded_roles_the_forest_plot_and_the_mortality_by_arm(
    client, request, role, run
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(DASHBOARD).content.decode()
    figure = client.get(_forest(run))
    results = _api_results(user, run)

    assert 'id="os-subgroups"' in page and f'src="{_forest(run)}"' in page
    assert "Interaction p (LR)" in page
    assert 'id="early-mortality"' in page
    for _, label in protocol.Arm.choices:
        assert f"<th>{label}</th>" in page
    assert (figure.status_code, figure["Content-Type"]) == (200, "image/svg+xml")
    assert "Overall survival by subgroup" in figure.content.decode()
    assert results["os_subgroups"]["factors"][0]["code"] == "NPM1"
    assert set(results["early_mortality"]["by_arm"]) == {"dex", "control"}


@pytest.mark.parametrize("role", BLINDED_ROLES)
def test_it_shows_blinded_roles_pooled_mortality_and_no_subgroup_by_arm(client, request, role, run):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(DASHBOARD).content.decode()
    results = _api_results(user, run)

    assert 'id="early-mortality"' in page and "<th>All randomized</th>" in page
    for confidential in ("os-subgroups", "OS_SUBGROUPS", "Hazard ratio", "Interaction"):
        assert confidential not in page
    assert client.get(_forest(run)).status_code == 403
    assert "os_subgroups" not in results
    assert results["early_mortality"] == {"pooled": run.results["early_mortality"]["pooled"]}
    assert "by_arm" not in json.dumps(results)
