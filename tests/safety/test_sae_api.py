"""The SAE reports through the API: read with their versions and clock, scoped by site
(another site's report is a 404), and written through the same services as the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from protocol.safety import SaeCausality
from safety.models import SaeReportVersion
from tests.factories import PASSWORD
from tests.safety.conftest import complete, complete_values, draft_of


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_gives_each_report_with_its_versions_and_clock(sae, coordinator):
    body = _api(coordinator).get("/api/v1/sae-reports/").json()

    [report] = body["results"]
    assert report["study_id"] == sae.patient.study_id
    assert report["adverse_event"]["term"] == "Sepsis"
    assert report["clock"]["status"] == "due"
    assert report["clock"]["minutes_left"] == 24 * 60
    assert report["clock"]["due_local"] == "03/06/2025 12:00 CEST (Europe/Paris)"
    assert report["clock"]["due_utc"] == "03/06/2025 10:00 UTC"
    assert [(v["number"], v["status"]) for v in report["versions"]] == [(0, "draft")]


def test_another_site_neither_lists_nor_finds_the_report(sae, coordinator_b, investigator_b):
    for user in (coordinator_b, investigator_b):
        api = _api(user)
        assert api.get("/api/v1/sae-reports/").json()["results"] == []
        assert api.get(f"/api/v1/sae-reports/{sae.pk}/").status_code == 404
        draft_url = f"/api/v1/sae-report-versions/{draft_of(sae).pk}/"
        assert api.post(draft_url, {"version": 1}, format="json").status_code == 404


def test_pharmacovigilance_reads_every_sites_reports(sae, pharmacovigilance):
    assert _api(pharmacovigilance).get(f"/api/v1/sae-reports/{sae.pk}/").status_code == 200


def test_the_draft_is_saved_and_refused_with_field_errors(sae, coordinator):
    api = _api(coordinator)
    url = f"/api/v1/sae-report-versions/{draft_of(sae).pk}/"

    refused = api.post(
        url, {"version": 1, "azacitidine_causality": SaeCausality.PROBABLE}, format="json"
    )
    saved = api.post(url, {"version": 1, **complete_values(sae.patient)}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["azacitidine_causality"]
    assert saved.status_code == 200
    assert saved.json()["version"] == 2 and saved.json()["hospitalisation"] is True


def test_a_stale_version_is_a_field_error(sae, coordinator):
    api = _api(coordinator)
    url = f"/api/v1/sae-report-versions/{draft_of(sae).pk}/"
    api.post(url, {"version": 1, "narrative": "First."}, format="json")

    stale = api.post(url, {"version": 1, "narrative": "Second."}, format="json")

    assert stale.status_code == 400
    assert list(stale.json()) == ["version"]


def test_the_investigator_submits_with_the_password(sae, coordinator, investigator):
    complete(sae, coordinator)
    api = _api(investigator)
    url = f"/api/v1/sae-report-versions/{draft_of(sae).pk}/submit/"
    version = draft_of(sae).version

    wrong = api.post(url, {"version": version, "password": "nope"}, format="json")
    right = api.post(url, {"version": version, "password": PASSWORD}, format="json")

    assert (wrong.status_code, list(wrong.json())) == (400, ["password"])
    assert right.status_code == 200
    assert right.json()["status"] == "submitted" and len(right.json()["fingerprint"]) == 64
    follow_up = api.post(f"/api/v1/sae-reports/{sae.pk}/follow-ups/")
    assert (follow_up.status_code, follow_up.json()["number"]) == (201, 1)


@pytest.mark.parametrize("who", ["coordinator", "data_manager"])
def test_only_the_sites_investigator_submits(sae, request, who):
    user = request.getfixturevalue(who)

    response = _api(user).post(
        f"/api/v1/sae-report-versions/{draft_of(sae).pk}/submit/",
        {"version": 1, "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 403
    assert draft_of(sae).status == SaeReportVersion.Status.DRAFT


def test_a_list_withholds_dexamethasone_causality_from_a_reader_blinded_to_the_arms(
    sae, sponsor, statistician
):
    """'Not given' dexamethasone would tell a control-arm patient in a list of many."""
    blinded = _api(sponsor).get("/api/v1/sae-reports/").json()["results"][0]["versions"][0]
    unblinded = _api(statistician).get("/api/v1/sae-reports/").json()["results"][0]["versions"][0]

    assert "dexamethasone_causality" not in blinded
    assert "amsacrine_causality" in blinded
    assert "dexamethasone_causality" in unblinded
