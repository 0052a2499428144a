"""The header's patient search: a study ID typed opens the patient's page, part of one lists
the patients whose study ID contains it, only ever at the sites the account may see.

Site 03 has patients 03-001 and 03-002; site 07 has 07-001.
"""

from __future__ import annotations

import pytest

from dashboard.selectors import patient_search, study_id_normalized
from tests.factories import screen_patient


@pytest.fixture
def patients(site_a, patient_a, patient_b, coordinator):
    return patient_a, screen_patient(site=site_a, user=coordinator), patient_b


def _find(client, user, text: str):
    client.force_login(user)
    return client.get("/patients/find/", {"q": text})


def _listed(response) -> list[str]:
    return [patient.study_id for patient in response.context["page"]]


@pytest.mark.parametrize("typed", ["03-002", "3-2", " 03/002 ", "3 2"])
def test_a_study_id_typed_opens_the_patients_page(client, coordinator, patients, typed):
    response = _find(client, coordinator, typed)

    assert response.status_code == 302
    assert response.url == "/patients/03-002/"


def test_part_of_a_study_id_lists_the_patients_whose_id_contains_it(client, coordinator, patients):
    response = _find(client, coordinator, "03-00")

    assert response.status_code == 200
    assert _listed(response) == ["03-001", "03-002"]
    assert 'href="/patients/03-001/"' in response.content.decode()


def test_another_sites_patient_is_not_found_and_nothing_says_it_exists(
    client, coordinator, patients
):
    by_id = _find(client, coordinator, "07-001")
    by_part = _find(client, coordinator, "001")

    assert by_id.status_code == 200  # not a redirect to a page that would answer 404
    assert _listed(by_id) == []
    assert "No patient at your sites has a study ID containing" in by_id.content.decode()
    assert "/patients/07-001/" not in by_id.content.decode()
    assert _listed(by_part) == ["03-001"]


def test_the_other_sites_coordinator_finds_only_their_own(client, coordinator_b, patients):
    assert _find(client, coordinator_b, "7-1").url == "/patients/07-001/"
    assert _listed(_find(client, coordinator_b, "03")) == []


def test_a_role_that_sees_every_site_finds_every_site_s_patients(client, data_manager, patients):
    assert _listed(_find(client, data_manager, "001")) == ["03-001", "07-001"]
    assert _find(client, data_manager, "07-001").url == "/patients/07-001/"


def test_an_empty_search_explains_what_to_type(client, coordinator, patients):
    response = _find(client, coordinator, "   ")

    assert response.status_code == 200
    assert "Type a study ID" in response.content.decode()


def test_text_that_is_no_study_id_finds_nothing_and_is_shown_escaped(client, coordinator, patients):
    response = _find(client, coordinator, "<script>x</script>")

    assert response.status_code == 200
    assert _listed(response) == []
    assert "<script>x" not in response.content.decode()


def test_the_search_asks_for_a_log_in(client, patients):
    response = client.get("/patients/find/", {"q": "03-001"})

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_every_page_of_a_signed_in_account_carries_the_search(client, coordinator, patients):
    client.force_login(coordinator)

    for url in ("/", "/worklist/", "/patients/03-001/"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'action="/patients/find/"' in html


@pytest.mark.parametrize(
    ("typed", "study_id"),
    [("01-003", "01-003"), ("1-3", "01-003"), ("12/45", "12-045"), ("3 . 2", "03-002")],
)
def test_it_reads_a_study_id_however_the_separator_is_typed(typed, study_id):
    assert study_id_normalized(typed) == study_id


@pytest.mark.parametrize("typed", ["003", "01-", "abc", "1-2-3", ""])
def test_a_fragment_is_no_study_id(typed):
    assert study_id_normalized(typed) is None


def test_the_selector_scopes_to_the_accounts_sites(coordinator, patients):
    found = patient_search(coordinator, "07-001")

    assert found.exact is None
    assert list(found.matches) == []
