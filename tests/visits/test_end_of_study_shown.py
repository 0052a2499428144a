"""The end-of-study date is shown on the dashboard and on every patient page.

patient_a, randomized on 5 March 2025 (the trial's first): the study ends on 5 March 2030.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.visits.builders import at_noon_in_paris, treated_patient
from visits.models import FollowUpVisit

SHOWN = "End of study: <strong>05/03/2030</strong> (5 years after the first randomization)"
REACHED = "reached: no follow-up visit is scheduled after it"


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 5, 15),
    )


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_dashboard_says_when_the_study_ends(client, coordinator, followed):
    page = _page(client, coordinator, reverse("dashboard"))

    assert SHOWN in page
    assert REACHED not in page


def test_before_any_randomization_the_dashboard_says_it_is_not_known_yet(client, coordinator):
    page = _page(client, coordinator, reverse("dashboard"))

    assert "End of study: 5 years after the first randomization (none yet)" in page


def test_every_patient_page_says_when_the_study_ends(client, coordinator, followed):
    study_id = followed.study_id
    m3 = FollowUpVisit.objects.get(patient=followed, month=3)
    urls = [
        reverse("patient-detail", args=[study_id]),
        reverse("screening-edit", args=[study_id]),
        reverse("randomization-confirmation", args=[study_id]),
        reverse("review-patient", args=[study_id]),
        reverse("record-new", args=[study_id, "adverse-events"]),
        reverse("record-new", args=[study_id, "off-study"]),
        reverse("visit-record", args=[study_id, m3.month]),
    ]

    for url in urls:
        assert SHOWN in _page(client, coordinator, url), url


def test_once_reached_the_pages_say_so(client, coordinator, followed):
    with time_machine.travel(at_noon_in_paris(dt.date(2030, 3, 5)), tick=False):
        page = _page(client, coordinator, reverse("patient-detail", args=[followed.study_id]))

    assert f"{SHOWN} · {REACHED}" in page
