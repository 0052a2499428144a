# ruff: noqa: F811  (the dashboard test's fixtures, imported and then asked for)
"""The analyses pages and their figures speak French to a French reader: the page's words,
the Kaplan-Meier figure drawn again in French (and kept per language), a service's refusal
with its placeholders; an English reader still gets the figure the worker stored."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from endpoints.models import AnalysisRun
from tests.endpoints.test_analysis_dashboard import (  # noqa: F401 (fixtures)
    RECOMPUTE,
    analysed,
    eager,
    in_september,
    trial,
)

DASHBOARD = reverse("analysis-dashboard")


@pytest.fixture
def french_statistician(statistician):
    statistician.language = "fr"
    statistician.save(update_fields=["language"])
    return statistician


def test_it_shows_the_dashboard_in_french(client, french_statistician, analysed):
    client.force_login(french_statistician)

    page = client.get(DASHBOARD).content.decode()

    assert "<h1>Analyses de survie</h1>" in page
    assert "<h2>Survie globale (SG)</h2>" in page
    assert "Hazard ratio (IC à 95\u00a0%)" in page
    assert "Inclusions par rapport à l'objectif" in page
    assert "Survival analyses" not in page
    assert "Enrolment against target" not in page
    assert "?lang=fr" in page  # the figures' addresses differ from the English ones


def test_it_draws_the_figure_in_french_and_keeps_the_stored_one_for_english(
    client, french_statistician, dmc, analysed
):
    figure = reverse("analysis-figure", args=[analysed.pk, "OS", "by_arm"])
    client.force_login(french_statistician)
    cache.delete(f"analysis-figure:{analysed.pk}:OS:by_arm:svg:fr")

    french = client.get(figure)

    svg = french.content.decode()
    assert french["Content-Language"] == "fr"
    assert "Nombre de patients à risque" in svg
    assert "Mois depuis la randomisation" in svg
    assert "Rattrapage + dexaméthasone" in svg
    assert "Number at risk" not in svg
    assert cache.get(f"analysis-figure:{analysed.pk}:OS:by_arm:svg:fr") == svg
    client.force_login(dmc)
    english = client.get(figure).content.decode()
    assert english == AnalysisRun.objects.get(pk=analysed.pk).figures["OS"]["by_arm"]
    assert "Number at risk" in english


def test_it_tells_a_french_reader_why_a_recompute_was_refused(
    client, settings, french_statistician, trial, eager
):
    settings.TRIAL_ANALYSIS_STRATA = ["site"]
    client.force_login(french_statistician)

    page = client.post(RECOMPUTE, follow=True).content.decode()

    assert "site ne peut pas stratifier une analyse\u00a0; choisissez parmi" in page
    assert "(les centres sont trop petits pour être des strates)" in page
    assert "cannot stratify" not in page
    assert not AnalysisRun.objects.exists()


def test_it_shows_the_safety_tables_in_french(client, french_statistician, trial):
    client.force_login(french_statistician)

    page = client.get(reverse("safety-tables")).content.decode()

    assert "<h1>Tableaux de tolérance</h1>" in page
    assert "Vue d'ensemble des événements indésirables apparus sous traitement" in page
    assert "Grade CTCAE le plus élevé par patient" in page
    assert "Overview of treatment-emergent adverse events" not in page
