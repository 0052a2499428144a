"""The CIOMS-I-like form of a SUSAR: its sections, both causality opinions, nothing that
identifies the patient beyond the study ID (no initials, no birth date: age in years), print
CSS without buttons; refused to the sites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from pharmacovigilance.models import Susar
from pharmacovigilance.services import sae_assess
from tests.pharmacovigilance.conftest import opinions


@pytest.fixture
def susar(sae, pharmacovigilance) -> Susar:
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))
    return Susar.objects.get(assessment=assessment)


def _cioms(client, user, susar):
    client.force_login(user)
    return client.get(reverse("pharmacovigilance-cioms", args=[susar.pk]))


def test_it_has_the_cioms_sections(client, pharmacovigilance, susar):
    page = _cioms(client, pharmacovigilance, susar)

    assert page.status_code == 200
    html = page.content.decode()
    for section in (
        "I. Reaction information",
        "II. Suspect drug(s)",
        "III. Concomitant drugs and history",
        "IV. Sponsor and reporter",
        "Narrative",
    ):
        assert section in html
    assert "Pneumonitis" in html
    assert "Requires or prolongs hospitalisation" in html
    assert "University Hospital, Toulouse" in html
    assert "Dyspnoea and bilateral infiltrates" in html
    # Both opinions on each drug.
    suspect = html[html.index('id="cioms-suspect-drugs"') : html.index('id="cioms-concomitant"')]
    assert suspect.count("Possible") >= 2 and "Related (reasonable possibility)" in suspect


def test_it_names_the_patient_by_study_id_sex_and_age_only(client, pharmacovigilance, susar):
    patient = susar.assessment.report.patient
    html = _cioms(client, pharmacovigilance, susar).content.decode()

    assert patient.study_id in html
    assert "64 years" in html  # 64 at consent in March 2025, the event in May 2025
    assert "initials not collected" in html
    assert str(patient.year_of_birth) not in html
    assert "birth" not in html.lower()
    assert not re.search(r"\b\d{2}/\d{2}/1960\b", html)


def test_it_prints_on_a4_without_buttons(client, pharmacovigilance, susar):
    html = _cioms(client, pharmacovigilance, susar).content.decode()

    assert "<button" not in html.split("<main")[1]
    css = (Path(settings.BASE_DIR) / "static" / "sponsor-safety.css").read_text()
    assert "@page { size:A4" in css
    assert "button, .button, .noprint, .actions { display:none !important; }" in css


def test_the_sponsor_reads_it(client, sponsor, susar):
    assert _cioms(client, sponsor, susar).status_code == 200


@pytest.mark.parametrize("role_fixture", ["coordinator", "investigator"])
def test_it_is_refused_to_the_sites(request, client, susar, role_fixture):
    assert _cioms(client, request.getfixturevalue(role_fixture), susar).status_code == 403
