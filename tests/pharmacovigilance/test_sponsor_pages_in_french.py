"""The sponsor's safety desk in French for a pharmacovigilance officer who chose French: the
list, the CIOMS-I form with its French section titles, and the assessment's refusals in
French with their values filled in; the API keeps answering in English."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from pharmacovigilance.models import Susar
from pharmacovigilance.services import sae_assess
from tests.pharmacovigilance.conftest import opinions
from tests.pharmacovigilance.test_pharmacovigilance_api import ASSESSMENTS, _body, api_for

NBSP = "\u00a0"


@pytest.fixture
def french_pharmacovigilance(pharmacovigilance):
    pharmacovigilance.language = "fr"
    pharmacovigilance.save(update_fields=["language"])
    return pharmacovigilance


def test_it_shows_the_sponsor_safety_page_in_french(client, sae, french_pharmacovigilance):
    client.force_login(french_pharmacovigilance)

    page = client.get(reverse("pharmacovigilance")).content.decode()

    assert f"Vigilance promoteur{NBSP}: tous les EIG de tous les centres" in page
    assert "À évaluer" in page
    assert "Délai du centre (24 h)" in page
    assert "Sponsor safety: every SAE of every site" not in page
    assert "To assess" not in page


def test_it_shows_the_cioms_form_with_its_french_sections(client, sae, french_pharmacovigilance):
    assessment = sae_assess(report=sae, user=french_pharmacovigilance, opinions=opinions(sae))
    susar = Susar.objects.get(assessment=assessment)
    client.force_login(french_pharmacovigilance)

    page = client.get(reverse("pharmacovigilance-cioms", args=[susar.pk])).content.decode()

    for section in (
        "CIOMS-I · déclaration d'effet indésirable suspecté",
        "I. Informations sur l'effet indésirable",
        "II. Médicament(s) suspect(s)",
        "III. Médicaments concomitants et antécédents",
        "IV. Promoteur et notificateur",
        "Lié (possibilité raisonnable)",
    ):
        assert section in page
    assert "I. Reaction information" not in page
    assert "suspect adverse reaction report" not in page


def test_it_refuses_an_assessment_in_french_naming_the_rsi(sae, french_pharmacovigilance):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        sae_assess(
            report=sae,
            user=french_pharmacovigilance,
            opinions=opinions(sae, expectedness="expected"),
        )

    message = refused.value.message_dict["cytarabine_expectedness_override"]
    assert message == [
        "La RSI en vigueur (SmPC Cytarabine Hospira 100 mg/ml, rev. 2023-09) ne mentionne "
        f"pas cet effet{NBSP}: indiquez pourquoi le promoteur le juge attendu."
    ]


def test_the_api_refuses_the_same_assessment_in_english(sae, french_pharmacovigilance):
    body = _body(sae)
    for drug in body["drugs"]:
        drug["expectedness"] = "expected"

    answer = api_for(french_pharmacovigilance).post(ASSESSMENTS, body, format="json")

    assert answer.status_code == 400
    assert answer.json()["cytarabine_expectedness_override"] == [
        "The RSI in force (SmPC Cytarabine Hospira 100 mg/ml, rev. 2023-09) does not list "
        "this reaction: say why the sponsor judges it expected."
    ]
