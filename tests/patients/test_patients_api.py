"""The patients API as a sponsor's or site's system uses it (REST under /api/v1/).

A system logs in once for a token and sends `Authorization: Token ...` with every call.
Screening a patient gives the next study ID of the site; bad input is answered 400 with
the errors under the fields they are about, and nothing is saved. A correction after the
first save must give a reason, which the audit trail keeps with the old and new values.
Only a coordinator enters data: a sponsor's write is refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import Site
from patients.models import Patient, Screening
from tests.factories import PASSWORD, ScreeningValuesFactory, all_criteria_met

PATIENTS = "/api/v1/patients/"


def _logged_in(username: str) -> APIClient:
    """Return a client holding the token the API gave for this account's password."""
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def _screening_body(*, site: int = 3, answers: dict | None = None, **screening) -> dict:
    """The body a site's system sends to screen a typical eligible patient."""
    return {
        "site": site,
        "sex": "F",
        "year_of_birth": 1960,
        "answers": answers if answers is not None else all_criteria_met(),
        **ScreeningValuesFactory(**screening),
    }


def _history(api: APIClient, study_id: str) -> list[dict]:
    response = api.get(f"{PATIENTS}{study_id}/history/")
    assert response.status_code == 200
    return response.json()


# Token authentication ---------------------------------------------------------------------


def test_it_gives_a_token_for_a_right_password_and_answers_calls_bearing_it(coordinator, patient_a):
    api = _logged_in("coord_a")

    response = api.get(f"{PATIENTS}03-001/")

    assert response.status_code == 200
    assert response.json()["study_id"] == "03-001"


def test_it_gives_no_token_for_a_wrong_password(coordinator):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "coord_a", "password": "not-the-password"},
        format="json",
    )

    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize("authorization", [None, "Token 0123456789abcdef0123456789abcdef01234567"])
def test_it_answers_401_without_a_valid_token(patient_a, authorization):
    api = APIClient()
    if authorization:
        api.credentials(HTTP_AUTHORIZATION=authorization)

    response = api.get(f"{PATIENTS}03-001/")

    assert response.status_code == 401


# Screening a patient ----------------------------------------------------------------------


def test_it_screens_a_patient_and_gives_the_first_study_id_of_the_site(coordinator, frozen_today):
    api = _logged_in("coord_a")

    response = api.post(PATIENTS, _screening_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["study_id"] == "03-001"
    assert body["site"] == 3
    assert body["screening"]["outcome"] == "eligible"
    assert len(body["screening"]["answers"]) == len(all_criteria_met())
    patient = Patient.objects.get(study_id="03-001")
    assert patient.created_by == coordinator


def test_it_gives_the_next_study_id_of_the_site_to_the_next_patient(coordinator, patient_a):
    api = _logged_in("coord_a")

    response = api.post(PATIENTS, _screening_body(), format="json")

    assert response.status_code == 201
    assert response.json()["study_id"] == "03-002"


def test_it_refuses_consent_after_the_screening_visit_under_screened_on_and_saves_nothing(
    coordinator, frozen_today
):
    api = _logged_in("coord_a")

    response = api.post(
        PATIENTS,
        _screening_body(consent_on=dt.date(2025, 3, 5), screened_on=dt.date(2025, 3, 4)),
        format="json",
    )

    assert response.status_code == 400
    assert "must follow informed consent" in response.json()["screened_on"][0]
    assert not Patient.objects.exists()
    assert not Screening.objects.exists()
    # No study ID was used up by the refused screening.
    assert Site.objects.get(number=3).last_patient_sequence == 0


def test_it_refuses_an_age_criterion_the_age_contradicts_under_answers(coordinator, frozen_today):
    api = _logged_in("coord_a")
    answers = {**all_criteria_met(), "INC_AGE": False}

    response = api.post(PATIENTS, _screening_body(answers=answers), format="json")

    assert response.status_code == 400
    assert "age at consent is 64" in response.json()["answers"]["INC_AGE"][0]
    assert not Patient.objects.exists()


def test_it_refuses_an_unanswered_criterion_under_answers(coordinator, frozen_today):
    api = _logged_in("coord_a")
    answers = all_criteria_met()
    del answers["EXC_CNS"]

    response = api.post(PATIENTS, _screening_body(answers=answers), format="json")

    assert response.status_code == 400
    assert response.json()["answers"] == {"EXC_CNS": ["Answer yes or no."]}
    assert not Patient.objects.exists()


def test_it_reports_both_a_misspelt_criterion_and_the_one_it_left_unanswered(
    coordinator, frozen_today
):
    api = _logged_in("coord_a")
    answers = all_criteria_met()
    answers["EXC_CNSS"] = answers.pop("EXC_CNS")

    response = api.post(PATIENTS, _screening_body(answers=answers), format="json")

    assert response.status_code == 400
    errors = response.json()["answers"]
    # Both mistakes are reported: the code nobody knows, and the criterion left unanswered.
    assert "EXC_CNSS is not a criterion of this protocol." in str(errors)
    assert isinstance(errors, dict), errors
    assert errors.get("EXC_CNS") == ["Answer yes or no."], errors


def test_it_refuses_input_of_the_wrong_shape_field_by_field(coordinator, frozen_today):
    api = _logged_in("coord_a")
    body = _screening_body(ecog=7, answers={**all_criteria_met(), "INC_RR_AML": "perhaps"})
    del body["screened_on"]

    response = api.post(PATIENTS, body, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"ecog", "screened_on", "answers"}
    assert list(errors["answers"]) == ["INC_RR_AML"]
    assert not Patient.objects.exists()


def test_it_refuses_a_coordinator_screening_at_another_site(coordinator, site_b, frozen_today):
    api = _logged_in("coord_a")

    response = api.post(PATIENTS, _screening_body(site=7), format="json")

    assert response.status_code == 403
    assert not Patient.objects.exists()


@pytest.mark.parametrize("username", ["sponsor", "inv_a"])
def test_it_refuses_a_screening_by_anyone_but_a_coordinator(
    sponsor, investigator, frozen_today, username
):
    api = _logged_in(username)

    response = api.post(PATIENTS, _screening_body(), format="json")

    assert response.status_code == 403
    assert not Patient.objects.exists()
    assert Site.objects.get(number=3).last_patient_sequence == 0


# Correcting a screening -------------------------------------------------------------------


def test_it_corrects_a_screening_given_a_reason_and_audits_old_new_and_reason(
    coordinator, patient_a
):
    api = _logged_in("coord_a")

    response = api.patch(
        f"{PATIENTS}03-001/",
        {"ecog": 2, "version": 1, "reason": "ECOG misread from the clinic letter"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["screening"]["ecog"] == 2
    corrections = [e for e in _history(api, "03-001") if e["action"] == "update"]
    assert len(corrections) == 1
    assert corrections[0]["record"] == "Screening"
    assert corrections[0]["changes"] == {"ecog": [1, 2]}
    assert corrections[0]["reason"] == "ECOG misread from the clinic letter"
    # Who, by staff ID (the account has no full name), never by log-in name.
    assert corrections[0]["by"] == f"staff-{coordinator.pk}"


def test_it_audits_a_changed_criterion_answer_with_the_reason(patient_a):
    api = _logged_in("coord_a")

    response = api.patch(
        f"{PATIENTS}03-001/",
        {"answers": {"EXC_CNS": True}, "version": 1, "reason": "CNS disease on MRI"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["screening"]["outcome"] == "screen_failure"
    history = _history(api, "03-001")
    answer_change = next(
        e for e in history if e["record"] == "CriterionAnswer EXC_CNS" and e["action"] == "update"
    )
    assert answer_change["changes"] == {"answer": [False, True]}
    assert answer_change["reason"] == "CNS disease on MRI"


@pytest.mark.parametrize(
    "body",
    [
        {"ecog": 2, "version": 1},
        {"ecog": 2, "version": 1, "reason": ""},
        {"ecog": 2, "version": 1, "reason": "   "},
    ],
    ids=["no reason", "empty reason", "blank reason"],
)
def test_it_refuses_a_correction_without_a_reason_and_changes_nothing(patient_a, body):
    api = _logged_in("coord_a")
    history_before = _history(api, "03-001")

    response = api.patch(f"{PATIENTS}03-001/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    patient_a.screening.refresh_from_db()
    assert patient_a.screening.ecog == 1
    assert _history(api, "03-001") == history_before


def test_it_refuses_a_correction_breaking_a_rule_and_keeps_its_valid_parts_unsaved(patient_a):
    api = _logged_in("coord_a")

    response = api.patch(
        f"{PATIENTS}03-001/",
        {
            "sex": "M",
            "ecog": 2,
            "consent_on": "2025-03-05",
            "version": 1,
            "reason": "Dates copied from the consent form",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "must follow informed consent" in response.json()["screened_on"][0]
    patient_a.refresh_from_db()
    patient_a.screening.refresh_from_db()
    assert patient_a.sex == "F"
    assert patient_a.screening.ecog == 1
    assert patient_a.screening.consent_on == dt.date(2025, 3, 3)


@pytest.mark.parametrize("username", ["sponsor", "inv_a"])
def test_it_refuses_a_correction_by_anyone_but_a_coordinator(
    sponsor, investigator, patient_a, username
):
    api = _logged_in(username)

    response = api.patch(
        f"{PATIENTS}03-001/",
        {"ecog": 2, "version": 1, "reason": "Monitoring visit finding"},
        format="json",
    )

    assert response.status_code == 403
    patient_a.screening.refresh_from_db()
    assert patient_a.screening.ecog == 1


def test_it_refuses_a_sponsors_correction_as_forbidden_even_without_a_reason(sponsor, patient_a):
    api = _logged_in("sponsor")

    response = api.patch(f"{PATIENTS}03-001/", {"ecog": 2}, format="json")

    assert response.status_code == 403
