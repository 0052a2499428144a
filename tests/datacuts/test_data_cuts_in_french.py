"""The data cuts page speaks French to a French statistician, and so do the service's
refusals, their placeholders filled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from datacuts import services
from datacuts.models import DataCut
from refusals import Refused


@pytest.fixture
def french_statistician(statistician):
    statistician.language = "fr"
    statistician.save(update_fields=["language"])
    return statistician


@pytest.fixture
def taken(statistician, frozen_today):
    return DataCut.objects.create(
        label="Réunion CSI 2",
        cutoff=dt.date(2025, 6, 1),
        strata_factors=[],
        requested_by=statistician,
    )


def test_it_shows_the_list_and_the_form_in_french(french_statistician, taken):
    client = Client()
    client.force_login(french_statistician)

    page = client.get("/datacuts/").content.decode()

    assert "<h1>Extractions figées</h1>" in page
    assert "Empreinte des données" in page
    assert ">Figer</button>" in page
    with translation.override("fr"):
        queued = str(DataCut.Status.QUEUED.label)
    assert queued != "Queued"
    assert f"<td>{escape(queued)}</td>" in page
    assert "Data fingerprint" not in page


def test_the_page_refuses_a_label_already_taken_in_french(french_statistician, taken):
    client = Client()
    client.force_login(french_statistician)

    page = client.post("/datacuts/freeze/", {"label": "Réunion CSI 2", "cutoff": "01/06/2025"})

    assert page.status_code == 400
    assert "Une extraction figée porte déjà le nom «\u00a0Réunion CSI 2\u00a0»." in (
        page.content.decode()
    )
    assert DataCut.objects.count() == 1


def test_the_service_refuses_in_the_active_language(statistician, taken):
    with translation.override("fr"), pytest.raises(Refused) as french:
        services.data_cut_freeze(user=statistician, cutoff=dt.date(2025, 6, 1), label="x" * 101)
    with pytest.raises(Refused) as english:
        services.data_cut_freeze(user=statistician, cutoff=dt.date(2025, 6, 1), label="x" * 101)

    assert french.value.message_dict["label"] == ["Le libellé ne doit pas dépasser 100 caractères."]
    assert english.value.message_dict["label"] == ["Keep the label to 100 characters."]
