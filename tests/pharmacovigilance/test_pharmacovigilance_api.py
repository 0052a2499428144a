"""The API: assessments and SUSARs read by the roles that follow SAEs trial-wide (never a
site); the assessment and the report to the regulators written by pharmacovigilance only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

import protocol
from accounts.services import api_token_issue
from pharmacovigilance.models import SponsorAssessment, Susar
from pharmacovigilance.services import sae_assess
from tests.pharmacovigilance.conftest import CYCLE_1_ON, opinions, submit_sae
from tests.visits.builders import randomize, record_cycle

ASSESSMENTS = "/api/v1/sae-assessments/"
SUSARS = "/api/v1/susars/"


def api_for(user) -> APIClient:
    cache.delete(UserRateThrottle.cache_format % {"scope": "user", "ident": user.pk})
    api = APIClient()
    _, token = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _body(report, **overrides) -> dict:
    return {
        "sae_report": report.pk,
        "drugs": [
            {"suspect_drug": o.drug, "sponsor_causality": "related", "expectedness": ""}
            for o in opinions(report)
        ],
        **overrides,
    }


def test_pharmacovigilance_assesses_and_reads_both_opinions(sae, pharmacovigilance):
    api = api_for(pharmacovigilance)

    answer = api.post(ASSESSMENTS, _body(sae), format="json")

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    cytarabine = next(d for d in body["drugs"] if d["drug"] == "cytarabine")
    assert cytarabine["investigator_causality"] == "possible"
    assert cytarabine["sponsor_causality"] == "related"
    assert cytarabine["expectedness"] == "unexpected"
    assert cytarabine["rsi_document"] == "SmPC Cytarabine Hospira 100 mg/ml, rev. 2023-09"
    assert body["susar"] == Susar.objects.get().pk


def test_a_refused_assessment_answers_400_with_field_errors(sae, pharmacovigilance):
    api = api_for(pharmacovigilance)
    body = _body(sae)
    body["drugs"][0]["expectedness"] = "expected"

    answer = api.post(ASSESSMENTS, body, format="json")

    assert answer.status_code == 400
    assert f"{body['drugs'][0]['suspect_drug']}_expectedness_override" in answer.json()
    assert not SponsorAssessment.objects.exists()


@pytest.mark.parametrize(
    "role_fixture",
    ["coordinator", "investigator", "data_manager", "sponsor", "statistician", "dmc"],
)
def test_every_other_role_is_refused_the_assessment(request, sae, role_fixture):
    api = api_for(request.getfixturevalue(role_fixture))

    answer = api.post(ASSESSMENTS, _body(sae), format="json")

    assert answer.status_code == 403
    assert not SponsorAssessment.objects.exists()


def test_the_susar_list_gives_the_deadlines_from_the_sponsors_first_knowledge(
    sae, pharmacovigilance, sponsor
):
    sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    for user in (pharmacovigilance, sponsor):
        answer = api_for(user).get(SUSARS)
        assert answer.status_code == 200
        (susar,) = answer.json()["results"]
        assert susar["study_id"] == sae.patient.study_id
        assert susar["deadlines"] == [
            {
                "kind": "initial",
                "day": 15,
                "due_on": "2025-06-17",
                "due_at": "2025-06-18T00:00:00+02:00",
                "state": "running",
            }
        ]
        assert susar["overdue"] is False
    assessments = api_for(sponsor).get(ASSESSMENTS).json()["results"]
    assert [a["sae_report"] for a in assessments] == [sae.pk]


@pytest.mark.parametrize("role_fixture", ["coordinator", "investigator"])
def test_sites_may_not_read_them(request, sae, pharmacovigilance, role_fixture):
    sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    api = api_for(request.getfixturevalue(role_fixture))

    assert api.get(ASSESSMENTS).status_code == 403
    assert api.get(SUSARS).status_code == 403


def test_pharmacovigilance_records_the_report_to_the_regulators(sae, pharmacovigilance, sponsor):
    sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    susar = Susar.objects.get()
    report = {
        "reported_at": "2025-06-02T10:00:00Z",
        "reported_to": "eudravigilance",
        "reference": "EU-EC-77",
    }

    refused = api_for(sponsor).post(f"{SUSARS}{susar.pk}/report/", report, format="json")
    answer = api_for(pharmacovigilance).post(f"{SUSARS}{susar.pk}/report/", report, format="json")

    assert refused.status_code == 403
    assert answer.status_code == 200, answer.json()
    assert answer.json()["deadlines"][0]["state"] == "reported"


@pytest.fixture
def dexamethasone_case(patient_a, coordinator, investigator, pharmacovigilance):
    """A case whose patient received dexamethasone (whatever the arm), assessed."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    record_cycle(
        patient_a,
        coordinator,
        CYCLE_1_ON,
        dt.date(2025, 3, 12),
        dexamethasone_given=True,
        dexamethasone_mg=Decimal("160"),
    )
    report = submit_sae(patient_a, coordinator, investigator)
    sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))
    return report


@pytest.mark.parametrize(
    ("role_fixture", "sees_dexamethasone"),
    [
        ("pharmacovigilance", True),
        ("statistician", True),
        ("dmc", True),
        ("sponsor", False),
        ("data_manager", False),
    ],
)
def test_dexamethasone_the_dex_arms_treatment_is_listed_only_where_arms_may_be_seen(
    request, dexamethasone_case, role_fixture, sees_dexamethasone
):
    answer = api_for(request.getfixturevalue(role_fixture)).get(ASSESSMENTS)

    (assessment,) = answer.json()["results"]
    drugs = {d["drug"] for d in assessment["drugs"]}
    assert {"amsacrine", "cytarabine"} <= drugs
    assert ("dexamethasone" in drugs) is sees_dexamethasone
