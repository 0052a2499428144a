"""Who sees which site's patients (PROTOCOL.md, Roles; the issue's site-isolation rules).

Coordinators and investigators work at their own sites: another site's patient does not
exist for them, so every page and every API answers 404, exactly as for a study ID never
given. Data managers, sponsors and statisticians monitor the whole trial and see every site.
Seeing is not correcting: only a coordinator enters data, at their own sites.

patient_a is 03-001 (site 3, where coordinator and investigator work); patient_b is 07-001.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

import protocol
from accounts.models import Role, User
from accounts.services import api_token_issue
from patients import rules
from patients.models import Patient
from tests.factories import ScreeningValuesFactory, UserFactory

SITE_BOUND_ROLES = ["coordinator", "investigator"]
ALL_SITES_ROLES = ["data_manager", "sponsor", "statistician"]
ROLES = SITE_BOUND_ROLES + ALL_SITES_ROLES

OWN_SITE_PATIENT = "03-001"
OTHER_SITE_PATIENT = "07-001"


def _visible_study_ids(role: str) -> set[str]:
    if role in SITE_BOUND_ROLES:
        return {OWN_SITE_PATIENT}
    return {OWN_SITE_PATIENT, OTHER_SITE_PATIENT}


@pytest.fixture
def both_sites_screened(patient_a, patient_b):
    assert (patient_a.study_id, patient_b.study_id) == (OWN_SITE_PATIENT, OTHER_SITE_PATIENT)
    return patient_a, patient_b


def _page_client(client, request, role: str):
    client.force_login(request.getfixturevalue(role))
    return client


def _api_client(user) -> APIClient:
    api = APIClient()
    _, token = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _api_as(request, role: str) -> APIClient:
    return _api_client(request.getfixturevalue(role))


def _screening_form_data(site_number: int) -> dict[str, object]:
    """What a coordinator types into the screening form for a typical eligible patient."""
    values = ScreeningValuesFactory()
    mutations = values.pop("mutations")
    data: dict[str, object] = {"site": site_number, "sex": "F", "year_of_birth": 1960}
    for name, value in values.items():
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    data["note"] = ""
    for item in protocol.ELIGIBILITY_CRITERIA:
        met = item.kind is protocol.CriterionKind.INCLUSION
        data[rules.criterion_field(item.code)] = "yes" if met else "no"
    for gene in protocol.MUTATION_GENES:
        data[rules.mutation_field(gene)] = mutations.get(gene, "not_tested")
    return data


# Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_on_the_dashboard_only_the_patients_of_the_sites_a_role_may_see(
    client, request, both_sites_screened, role
):
    response = _page_client(client, request, role).get("/")

    assert response.status_code == 200
    assert {p.study_id for p in response.context["log"]} == _visible_study_ids(role)
    assert (OTHER_SITE_PATIENT in response.content.decode()) is (role in ALL_SITES_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_another_sites_screening_log_only_to_the_all_sites_roles(
    client, request, both_sites_screened, role
):
    response = _page_client(client, request, role).get("/", {"site": 7})

    if role in SITE_BOUND_ROLES:
        assert response.status_code == 404
        assert OTHER_SITE_PATIENT not in response.content.decode()
    else:
        assert response.status_code == 200
        assert [p.study_id for p in response.context["log"]] == [OTHER_SITE_PATIENT]


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_the_own_site_patient_page_to_every_role(
    client, request, both_sites_screened, role
):
    response = _page_client(client, request, role).get(f"/patients/{OWN_SITE_PATIENT}/")

    assert response.status_code == 200
    assert response.context["patient"].study_id == OWN_SITE_PATIENT


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_404_for_another_sites_patient_page_unless_the_role_sees_all_sites(
    client, request, both_sites_screened, role
):
    response = _page_client(client, request, role).get(f"/patients/{OTHER_SITE_PATIENT}/")

    if role in SITE_BOUND_ROLES:
        assert response.status_code == 404
        assert OTHER_SITE_PATIENT not in response.content.decode()
    else:
        assert response.status_code == 200
        assert response.context["patient"].study_id == OTHER_SITE_PATIENT


@pytest.mark.parametrize(
    ("role", "study_id", "expected_status"),
    [
        # Only a coordinator corrects data, and only at their own site.
        ("coordinator", OWN_SITE_PATIENT, 200),
        ("coordinator", OTHER_SITE_PATIENT, 404),
        # An investigator sees their site's patients but does not enter data.
        ("investigator", OWN_SITE_PATIENT, 403),
        ("investigator", OTHER_SITE_PATIENT, 404),
        # The all-sites roles see every patient but correct none.
        ("data_manager", OWN_SITE_PATIENT, 403),
        ("data_manager", OTHER_SITE_PATIENT, 403),
        ("sponsor", OWN_SITE_PATIENT, 403),
        ("sponsor", OTHER_SITE_PATIENT, 403),
        ("statistician", OWN_SITE_PATIENT, 403),
        ("statistician", OTHER_SITE_PATIENT, 403),
    ],
)
def test_it_opens_the_screening_correction_page_only_to_the_patients_own_coordinator(
    client, request, both_sites_screened, role, study_id, expected_status
):
    response = _page_client(client, request, role).get(f"/patients/{study_id}/screening/edit/")

    assert response.status_code == expected_status


def test_it_answers_404_to_a_coordinator_correcting_another_sites_patient_and_changes_nothing(
    client, coordinator, both_sites_screened
):
    client.force_login(coordinator)
    data = {
        **_screening_form_data(7),
        "ecog": 3,
        "version": 1,
        "reason": "Trying another site's record",
    }

    response = client.post(f"/patients/{OTHER_SITE_PATIENT}/screening/edit/", data)

    assert response.status_code == 404
    assert Patient.objects.get(study_id=OTHER_SITE_PATIENT).screening.ecog == 1


@pytest.mark.parametrize("role", ROLES)
def test_it_opens_the_screening_page_only_to_coordinators_with_their_own_sites_to_choose(
    client, request, both_sites_screened, role
):
    response = _page_client(client, request, role).get("/screening/new/")

    if role == "coordinator":
        assert response.status_code == 200
        sites = response.context["form"].fields["site"].queryset
        assert [s.number for s in sites] == [3]
    else:
        assert response.status_code == 403


def test_it_lets_a_coordinator_screen_at_their_own_site_from_the_page(
    client, coordinator, both_sites_screened
):
    client.force_login(coordinator)

    response = client.post("/screening/new/", _screening_form_data(3))

    assert response.status_code == 302
    assert response["Location"] == "/patients/03-002/"
    assert Patient.objects.get(study_id="03-002").site.number == 3


def test_it_refuses_a_coordinator_screening_at_another_site_from_the_page(
    client, coordinator, both_sites_screened
):
    client.force_login(coordinator)

    response = client.post("/screening/new/", _screening_form_data(7))

    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert Patient.objects.filter(site__number=7).count() == 1


# API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_through_the_api_only_the_patients_of_the_sites_a_role_may_see(
    request, both_sites_screened, role
):
    response = _api_as(request, role).get("/api/v1/patients/")

    assert response.status_code == 200
    assert {p["study_id"] for p in response.json()["results"]} == _visible_study_ids(role)


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_every_role_its_own_site_patient_through_the_api(
    request, both_sites_screened, role
):
    response = _api_as(request, role).get(f"/api/v1/patients/{OWN_SITE_PATIENT}/")

    assert response.status_code == 200
    assert response.json()["study_id"] == OWN_SITE_PATIENT


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_404_for_another_sites_patient_in_the_api_unless_the_role_sees_all_sites(
    request, both_sites_screened, role
):
    response = _api_as(request, role).get(f"/api/v1/patients/{OTHER_SITE_PATIENT}/")

    if role in SITE_BOUND_ROLES:
        assert response.status_code == 404
        assert OTHER_SITE_PATIENT not in response.content.decode()
    else:
        assert response.status_code == 200
        assert response.json()["site"] == 7


@pytest.mark.parametrize("role", SITE_BOUND_ROLES)
def test_it_answers_for_another_sites_patient_as_for_a_study_id_never_given(
    request, both_sites_screened, role
):
    api = _api_as(request, role)

    other_site = api.get(f"/api/v1/patients/{OTHER_SITE_PATIENT}/")
    never_given = api.get("/api/v1/patients/07-999/")

    assert other_site.status_code == never_given.status_code == 404
    assert other_site.json() == never_given.json()


@pytest.mark.parametrize(
    ("role", "study_id", "expected_status"),
    [
        ("coordinator", OWN_SITE_PATIENT, 200),
        ("coordinator", OTHER_SITE_PATIENT, 404),
        ("investigator", OWN_SITE_PATIENT, 403),
        ("investigator", OTHER_SITE_PATIENT, 404),
        ("data_manager", OTHER_SITE_PATIENT, 403),
        ("sponsor", OTHER_SITE_PATIENT, 403),
        ("statistician", OTHER_SITE_PATIENT, 403),
    ],
)
def test_it_lets_only_the_patients_own_coordinator_patch_it(
    request, both_sites_screened, role, study_id, expected_status
):
    response = _api_as(request, role).patch(
        f"/api/v1/patients/{study_id}/",
        {"ecog": 2, "version": 1, "reason": "ECOG re-assessed from the source document"},
        format="json",
    )

    assert response.status_code == expected_status
    expected_ecog = 2 if expected_status == 200 else 1
    assert Patient.objects.get(study_id=study_id).screening.ecog == expected_ecog


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_another_sites_patient_history_only_to_the_all_sites_roles(
    request, both_sites_screened, role
):
    response = _api_as(request, role).get(f"/api/v1/patients/{OTHER_SITE_PATIENT}/history/")

    if role in SITE_BOUND_ROLES:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert response.json()[0]["reason"] == "Initial entry"


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_the_own_site_patient_history_to_every_role(request, both_sites_screened, role):
    response = _api_as(request, role).get(f"/api/v1/patients/{OWN_SITE_PATIENT}/history/")

    assert response.status_code == 200
    assert response.json()[0]["by"] == f"staff-{User.objects.get(username='coord_a').pk}"


def test_it_shows_a_coordinator_of_two_sites_the_patients_of_both(
    site_a, site_b, both_sites_screened
):
    coordinator_of_both = UserFactory(
        username="coord_ab", role=Role.COORDINATOR, sites=[site_a, site_b]
    )

    response = _api_client(coordinator_of_both).get("/api/v1/patients/")

    assert {p["study_id"] for p in response.json()["results"]} == {
        OWN_SITE_PATIENT,
        OTHER_SITE_PATIENT,
    }
