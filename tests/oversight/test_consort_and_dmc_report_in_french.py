"""The CONSORT page and the DMC report speak French to a French reader: the worker draws the
diagram in the language of the reader who asked for it (one figure per language, the same
counts), and an English reader still gets the English one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from oversight.models import ConsortFigure
from tests.oversight.conftest import CUTOFF

QUERY = f"?cutoff={CUTOFF.isoformat()}"


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def french_dmc(dmc):
    dmc.language = "fr"
    dmc.save(update_fields=["language"])
    return dmc


def _get(client, user, url, capture):
    client.force_login(user)
    with capture(execute=True):
        client.get(url)
    return client.get(url)


def test_the_worker_draws_the_consort_diagram_in_the_reader_s_language(
    client, french_dmc, statistician, consort_trial, eager, django_capture_on_commit_callbacks
):
    page = _get(
        client, french_dmc, reverse("oversight-consort") + QUERY, django_capture_on_commit_callbacks
    )
    _get(
        client,
        statistician,
        reverse("oversight-consort") + QUERY,
        django_capture_on_commit_callbacks,
    )

    french = ConsortFigure.objects.get(by_arm=True, language="fr")
    english = ConsortFigure.objects.get(by_arm=True, language="en")
    assert french.status == english.status == ConsortFigure.Status.DONE
    assert french.fingerprint == english.fingerprint  # the same counts
    text = page.content.decode()
    assert french.svg in text
    assert "Diagramme CONSORT · NCT03765541 · date de point" in french.svg
    assert "Évalués pour l'éligibilité (n=" in french.svg
    assert "Assessed for eligibility" not in french.svg
    assert "Assessed for eligibility (n=" in english.svg
    assert "<h2>Effectifs</h2>" in text
    assert "Intention de traiter\u00a0: chaque patient randomisé est analysé" in text


def test_it_shows_the_dmc_report_in_french(client, french_dmc, consort_trial):
    client.force_login(french_dmc)

    page = client.get(reverse("oversight-report") + QUERY + "&part=open").content.decode()

    assert "<h1>Rapport du comité de surveillance indépendant (CSI)</h1>" in page
    assert "<h2>1. Inclusions</h2>" in page
    assert "3. Caractéristiques à l'inclusion par strate" in page
    assert "Data monitoring committee report" not in page
    assert "Baseline characteristics by stratum" not in page


def test_a_french_reader_is_refused_a_future_cut_off_in_french(client, french_dmc):
    client.force_login(french_dmc)

    page = client.get(reverse("oversight-consort") + "?cutoff=31/12/2099")

    assert page.status_code == 400
    assert "La date de point ne peut pas être dans le futur." in page.content.decode()
