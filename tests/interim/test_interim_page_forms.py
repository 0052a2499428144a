"""The statistician's forms on /interim/: a plan typed wrong comes back with field errors and
what was typed; a look is taken from a finished analysis run; the forms' posts are refused
(403) to every other role, the data monitoring committee included (it reads, never writes)."""

from __future__ import annotations

import pytest

from endpoints.models import AnalysisRun
from interim.models import InterimLook, InterimPlan
from tests.interim.conftest import month

GOOD_PLAN = {
    "planned_deaths": "150",
    "planned_fractions": "0.33, 0.67, 1",
    "spending": "asOF",
    "alpha": "0.025",
    "sided": "1",
}


def test_the_statistician_declares_the_plan_on_the_page(client, statistician, frozen_today):
    client.force_login(statistician)

    answer = client.post("/interim/plan/", GOOD_PLAN, follow=True)

    assert answer.redirect_chain == [("/interim/", 302)]
    plan = InterimPlan.objects.get()
    assert plan.planned_fractions == [0.33, 0.67, 1.0]
    assert "Interim analysis plan version 1 declared" in answer.content.decode()


def test_a_plan_typed_wrong_keeps_what_was_typed_beside_the_error(
    client, statistician, frozen_today
):
    client.force_login(statistician)
    typed = {**GOOD_PLAN, "planned_fractions": "0.7, 0.4, 1", "planned_deaths": "151"}

    answer = client.post("/interim/plan/", typed)

    assert answer.status_code == 400
    html = answer.content.decode()
    assert "The fractions must increase" in html
    assert 'value="0.7, 0.4, 1"' in html
    assert 'value="151"' in html
    assert not InterimPlan.objects.exists()


def test_fractions_that_are_not_numbers_are_a_field_error(client, statistician, frozen_today):
    client.force_login(statistician)

    answer = client.post("/interim/plan/", {**GOOD_PLAN, "planned_fractions": "a third, 1"})

    assert answer.status_code == 400
    assert "separated by commas" in answer.content.decode()


def test_the_statistician_takes_a_look_from_a_finished_run(
    client, statistician, plan, legacy_trial, analysed
):
    legacy_trial([("control", "intensive", 30, 0), ("dex", "intensive", None, 120)])
    run = analysed(month(6))
    client.force_login(statistician)

    page = client.get("/interim/").content.decode()
    answer = client.post("/interim/looks/", {"analysis_run": run.pk, "reason": ""}, follow=True)

    assert f"cut-off {run.cutoff:%d/%m/%Y}" in page
    assert answer.redirect_chain == [("/interim/", 302)]
    look = InterimLook.objects.get()
    assert (look.number, look.deaths, look.analysis_run_id) == (1, 1, run.pk)
    assert "Look 1 recorded" in answer.content.decode()


def test_the_statistician_requests_the_analysis_at_a_cut_off(client, statistician, plan):
    client.force_login(statistician)

    client.post("/interim/analyses/", {"cutoff": "2025-05-01"})

    assert AnalysisRun.objects.get().cutoff.isoformat() == "2025-05-01"


@pytest.mark.parametrize("url", ["/interim/plan/", "/interim/looks/", "/interim/analyses/"])
def test_the_forms_are_the_statisticians_alone(url, client, dmc, sponsor, data_manager, plan):
    for user in (dmc, sponsor, data_manager):
        client.force_login(user)
        assert client.post(url, GOOD_PLAN).status_code == 403
    assert InterimPlan.objects.count() == 1
    assert not AnalysisRun.objects.exists()
