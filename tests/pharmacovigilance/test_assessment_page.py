"""The assessment page: pharmacovigilance reads the case (treatment included), assesses it,
and records the report to the regulators; a refused assessment comes back with what was
typed; every other role's write is refused before any input is read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pharmacovigilance.models import SponsorAssessment, Susar
from pharmacovigilance.services import sae_assess
from tests.pharmacovigilance.conftest import opinions


def _assessment_post(report, **overrides) -> dict[str, str]:
    data = {}
    for opinion in opinions(report):
        data[f"{opinion.drug}_sponsor_causality"] = "related"
        data[f"{opinion.drug}_expectedness"] = "unexpected"
    data.update(overrides)
    return data


def test_pharmacovigilance_sees_the_case_its_treatment_and_the_rsi(client, sae, pharmacovigilance):
    client.force_login(pharmacovigilance)

    page = client.get(reverse("pharmacovigilance-case", args=[sae.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    randomization = sae.patient.randomization
    assert randomization.get_arm_display() in html  # the treatment, needed for causality
    assert "SmPC Cytarabine Hospira 100 mg/ml, rev. 2023-09" in html
    assert 'id="assessment-form"' in html
    assert "investigator: Possible" in html


def test_pharmacovigilance_assesses_through_the_page(client, sae, pharmacovigilance):
    client.force_login(pharmacovigilance)

    answer = client.post(reverse("pharmacovigilance-assess", args=[sae.pk]), _assessment_post(sae))

    assert answer.status_code == 302
    assessment = SponsorAssessment.objects.get(report=sae)
    assert Susar.objects.filter(assessment=assessment).exists()
    page = client.get(reverse("pharmacovigilance-case", args=[sae.pk]))
    assert b'id="susar-report-form"' in page.content
    assert b"Revise the assessment" in page.content


def test_a_refused_assessment_keeps_what_was_typed(client, sae, pharmacovigilance):
    client.force_login(pharmacovigilance)
    typed = _assessment_post(
        sae,
        cytarabine_sponsor_causality="not_related",
        cytarabine_expectedness="expected",
        comment="Discussed with the site on 3 June.",
    )

    answer = client.post(reverse("pharmacovigilance-assess", args=[sae.pk]), typed)

    assert answer.status_code == 400
    form = answer.context["form"]
    assert "cytarabine_sponsor_disagreement" in form.errors
    assert "cytarabine_expectedness_override" in form.errors
    assert form["comment"].value() == "Discussed with the site on 3 June."
    assert form["cytarabine_expectedness"].value() == "expected"
    assert not SponsorAssessment.objects.exists()


@pytest.mark.parametrize(
    "role_fixture",
    ["coordinator", "investigator", "data_manager", "sponsor", "statistician", "dmc"],
)
def test_every_other_role_is_refused_the_assessment(request, client, sae, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    answer = client.post(reverse("pharmacovigilance-assess", args=[sae.pk]), _assessment_post(sae))

    assert answer.status_code == 403
    assert not SponsorAssessment.objects.exists()


def test_pharmacovigilance_records_the_report_to_the_regulators(client, sae, pharmacovigilance):
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    susar = Susar.objects.get(assessment=assessment)
    client.force_login(pharmacovigilance)

    answer = client.post(
        reverse("pharmacovigilance-susar-report", args=[susar.pk]),
        {
            "version": susar.version,
            "reported_at": "2025-06-02T12:00",
            "reported_to": "eudravigilance",
            "reference": "EU-EC-10009999",
        },
    )

    assert answer.status_code == 302
    susar.refresh_from_db()
    assert susar.reference == "EU-EC-10009999"
    assert susar.reported_at == dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def test_the_sponsor_may_not_record_the_report(client, sae, pharmacovigilance, sponsor):
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    susar = Susar.objects.get(assessment=assessment)
    client.force_login(sponsor)

    answer = client.post(
        reverse("pharmacovigilance-susar-report", args=[susar.pk]),
        {"version": 1, "reported_at": "2025-06-02T12:00", "reported_to": "ansm", "reference": "X"},
    )

    assert answer.status_code == 403
    susar.refresh_from_db()
    assert susar.reported_at is None


def test_a_first_assessment_form_opened_before_a_colleagues_saves_nothing(
    client, sae, pharmacovigilance
):
    client.force_login(pharmacovigilance)
    colleague = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    answer = client.post(
        reverse("pharmacovigilance-assess", args=[sae.pk]),
        _assessment_post(sae, comment="Typed on a page opened before."),
        follow=True,
    )

    assert "Another assessor assessed this case" in answer.content.decode()
    colleague.refresh_from_db()
    assert colleague.comment == "" and colleague.version == 1


def test_a_stale_revision_on_the_page_names_the_conflict(client, sae, pharmacovigilance):
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    sae_assess(
        report=sae,
        user=pharmacovigilance,
        opinions=opinions(sae),
        comment="A colleague's revision.",
        reason="Comment added",
        expected_version=assessment.version,
    )
    client.force_login(pharmacovigilance)

    answer = client.post(
        reverse("pharmacovigilance-assess", args=[sae.pk]),
        _assessment_post(sae, version=str(assessment.version), reason="Mine"),
    )

    assert answer.status_code == 400
    assert "changed by someone else after you opened it" in answer.content.decode()
