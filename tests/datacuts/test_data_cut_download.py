"""A frozen package goes to the roles that may read results by arm, its SHA-256 checked on
every download; an altered package is refused and nothing of it is served."""

from __future__ import annotations

import hashlib
import logging

import pgtrigger
import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from datacuts.models import DataCutPackage
from randomization.models import SequenceViewing, TrialUnblinding
from tests.factories import UserFactory


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", [Role.STATISTICIAN, Role.DMC])
def test_it_serves_the_package_to_the_unblinded_roles_and_records_the_download(small_cut, role):
    reader = UserFactory(username=f"reader-{role}", role=role)

    response = _page(reader).get(f"/datacuts/{small_cut.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert hashlib.sha256(response.content).hexdigest() == small_cut.sha256
    assert response["X-Package-SHA256"] == small_cut.sha256
    viewing = SequenceViewing.objects.get(viewed_by=reader)
    assert "Small cut" in viewing.what and small_cut.sha256[:12] in viewing.what
    api = _api(reader).get(f"/api/v1/datacuts/{small_cut.pk}/download/")
    assert api.status_code == 200 and api.content == response.content


def test_it_refuses_the_package_to_every_blinded_role_who_may_list_the_cuts(
    small_cut, data_manager, sponsor, coordinator, investigator
):
    for user in (data_manager, sponsor):  # they see the list, not the results by arm
        page = _page(user)
        assert page.get("/datacuts/").status_code == 200
        assert b"Download" not in page.get("/datacuts/").content
        assert page.get(f"/datacuts/{small_cut.pk}/download/").status_code == 403
        assert _api(user).get(f"/api/v1/datacuts/{small_cut.pk}/download/").status_code == 403
        assert _api(user).get("/api/v1/datacuts/").status_code == 200
    for user in (coordinator, investigator):  # a site's staff does not follow the cuts at all
        assert _page(user).get("/datacuts/").status_code == 403
        assert _page(user).get(f"/datacuts/{small_cut.pk}/download/").status_code == 403
        assert _api(user).get("/api/v1/datacuts/").status_code == 403
    assert not SequenceViewing.objects.exists()


def test_the_sponsor_downloads_once_the_trial_is_unblinded(small_cut, sponsor, statistician):
    TrialUnblinding.objects.create(unblinded_by=statistician, reason="Final analysis")

    assert _page(sponsor).get(f"/datacuts/{small_cut.pk}/download/").status_code == 200


def test_it_refuses_a_package_altered_after_freezing_and_serves_nothing(
    small_cut, statistician, caplog
):
    # Someone with the database owner's rights goes round the trigger and alters the zip.
    with pgtrigger.ignore("datacuts.DataCutPackage:data_cut_package_immutable"):
        package = DataCutPackage.objects.get(cut=small_cut)
        altered = bytearray(package.content)
        altered[-30] ^= 0xFF
        DataCutPackage.objects.filter(pk=package.pk).update(content=bytes(altered))

    with caplog.at_level(logging.ERROR, logger="datacuts.services"):
        response = _page(statistician).get(f"/datacuts/{small_cut.pk}/download/")
    api = _api(statistician).get(f"/api/v1/datacuts/{small_cut.pk}/download/")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert b"does not match the SHA-256 recorded" in response.content
    assert bytes(altered) not in response.content
    assert api.status_code == 409
    assert "was altered since" in api.json()["detail"]
    assert f"Data cut {small_cut.pk}" in caplog.text and "refused" in caplog.text
    assert not SequenceViewing.objects.exists()  # nothing served, nothing read


def test_the_list_shows_what_identifies_each_cut(small_cut, dmc):
    page = _page(dmc).get("/datacuts/").content.decode()
    listed = _api(dmc).get("/api/v1/datacuts/").json()["results"][0]

    for shown in ("Small cut", "01/06/2025", small_cut.sha256, "Frozen"):
        assert shown in page
    assert listed["sha256"] == small_cut.sha256
    assert listed["fingerprint"] == small_cut.fingerprint
    assert listed["code_version"] == small_cut.code_version
    assert listed["size"] == small_cut.size
    assert listed["status"] == "frozen"
    assert _api(dmc).get(f"/api/v1/datacuts/{small_cut.pk}/").json() == listed
