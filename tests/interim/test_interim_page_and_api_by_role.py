"""The interim page, its chart and its API are the unblinded roles' alone: a look's observed
z compares the arms. Every blinded role is refused (403) and reads none of it."""

from __future__ import annotations

import pytest

from interim import services
from tests.interim.conftest import month

EARLY_DEATHS = [("control", "intensive", 20 + 5 * i, 0) for i in range(6)] + [
    ("dex", "intensive", 40, 0),
    ("dex", "intensive", None, 150),
]


@pytest.fixture
def a_look(legacy_trial, analysed, plan, statistician):
    legacy_trial(EARLY_DEATHS)
    return services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_the_unblinded_roles_read_the_plan_the_looks_and_the_chart(role, request, client, a_look):
    client.force_login(request.getfixturevalue(role))

    page = client.get("/interim/")
    chart = client.get("/interim/boundaries.svg")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Lan-DeMets O&#x27;Brien-Fleming type" in html
    assert f"{a_look.logrank_z:.3f}" in html
    assert f"{a_look.critical_value:.3f}" in html
    assert chart.status_code == 200
    assert chart["Content-Type"] == "image/svg+xml"
    assert chart.content.startswith(b"<?xml")


def test_only_the_statistician_sees_the_forms(client, dmc, statistician, a_look):
    client.force_login(dmc)
    assert "Take the look" not in client.get("/interim/").content.decode()
    client.force_login(statistician)
    assert "Take the look" in client.get("/interim/").content.decode()


def test_every_blinded_role_is_refused_the_page_the_chart_and_the_api(
    client, api_as, blinded_roles, a_look
):
    for user in blinded_roles:
        client.force_login(user)
        page = client.get("/interim/")
        chart = client.get("/interim/boundaries.svg")
        api = api_as(user).get("/api/v1/interim-analyses/")

        assert (page.status_code, chart.status_code, api.status_code) == (403, 403, 403), user
        for answer in (page, chart, api):
            assert str(round(a_look.logrank_z, 3)).encode() not in answer.content


def test_the_api_gives_the_unblinded_roles_each_look_against_its_boundary(api_as, dmc, a_look):
    answer = api_as(dmc).get("/api/v1/interim-analyses/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["plan"]["planned_deaths"] == 20
    assert body["plan"]["spending"] == "asOF"
    (look,) = body["looks"]
    assert look["number"] == 1
    assert look["deaths"] == 7
    assert look["information_fraction"] == pytest.approx(0.35)
    assert look["logrank_z"] == pytest.approx(a_look.logrank_z)
    assert look["critical_value"] == pytest.approx(a_look.critical_value)
    assert look["verdict"] == "continue"
    assert look["crossed"] is False


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/interim/").status_code == 302
