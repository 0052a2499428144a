"""The screening log's rows show each patient's cells as the reader reads them: the study ID
linking to the patient's page, dates dd/mm/yyyy, the disease status, outcome and status in
the reader's language, what the patient owes next, and a screen failure's failed criteria.

Today is 2 June 2025; at site 03, 03-001 was screened on 1 April and is eligible, 03-002
was screened on 15 April and failed screening (acute promyelocytic leukaemia).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from accounts.models import Site
from tests.factories import all_criteria_met, screen_patient

APL = {**all_criteria_met(), "EXC_APL": True}


@pytest.fixture
def two_patients(site_a, coordinator, frozen_today):
    for on, answers in ((dt.date(2025, 4, 1), all_criteria_met()), (dt.date(2025, 4, 15), APL)):
        screen_patient(
            site=site_a,
            user=coordinator,
            consent_on=on - dt.timedelta(days=2),
            screened_on=on,
            disease_status_on=on - dt.timedelta(days=5),
            answers=answers,
        )


def _row(html: str, study_id: str) -> list[str]:
    """The cells of the patient's row, tags left out."""
    body = html.split('id="screening-log"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = next(r for r in re.findall(r"<tr.*?</tr>", body, flags=re.S) if study_id in r)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)]


def test_an_eligible_patients_row(client, coordinator, two_patients):
    client.force_login(coordinator)

    html = client.get("/").content.decode()

    assert '<a href="/patients/03-001/">03-001</a>' in html
    assert _row(html, "03-001") == [
        "03-001",
        "03",
        "01/04/2025",
        "30/03/2025",
        "F",
        "64",
        "First relapse",
        "Eligible",
        "Eligible, not randomized",
        "Randomization",
        "",
    ]


def test_a_screen_failures_row_in_french(client, coordinator, two_patients):
    Site.objects.filter(number=3).update(language="fr")
    client.force_login(coordinator)

    html = client.get("/").content.decode()

    cells = _row(html, "03-002")
    assert cells[:9] == [
        "03-002",
        "03",
        "15/04/2025",
        "13/04/2025",
        "F",
        "64",
        "Première rechute",
        "Échec de sélection",
        "Échec de sélection",
    ]
    assert cells[9] == "—"
    assert "promyélocytaire" in cells[10]
