"""Breadcrumbs: every patient page says where it sits, from the trial to the page itself:
Trial, Patient 03-001, Adverse events, Edit, each step but the last a link back."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from tests.visits.builders import randomize, record_adverse_event, treated_patient


class _Trail(HTMLParser):
    """The breadcrumb trail's steps: (text, link or None, is the current page)."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[str, str | None, bool]] = []
        self._inside = False
        self._step: list = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "Breadcrumb":
            self._inside = True
        elif self._inside and tag == "li":
            self._step = ["", None, False]
        elif self._inside and tag == "a":
            self._step[1] = attrs["href"]
        elif self._inside and "aria-current" in attrs:
            self._step[2] = True

    def handle_endtag(self, tag):
        if tag == "nav":
            self._inside = False
        elif self._inside and tag == "li":
            self.steps.append((self._step[0].strip(), self._step[1], self._step[2]))

    def handle_data(self, data):
        if self._inside and self._step:
            self._step[0] += data


def _trail(client, user, url: str) -> list[tuple[str, str | None, bool]]:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    parser = _Trail()
    parser.feed(response.content.decode())
    return parser.steps


TRIAL = ("Trial", "/", False)
PATIENT = ("Patient 03-001", "/patients/03-001/", False)


def test_the_patient_page_is_the_last_step(client, coordinator, patient_a):
    assert _trail(client, coordinator, "/patients/03-001/") == [
        TRIAL,
        ("Patient 03-001", None, True),
    ]


def test_correcting_an_adverse_event_shows_trial_patient_adverse_events_edit(
    client, coordinator, patient_a
):
    randomize(patient_a, coordinator)
    event = record_adverse_event(patient_a, coordinator, dt.date(2025, 3, 10))

    assert _trail(client, coordinator, f"/patients/03-001/adverse-events/{event.pk}/edit/") == [
        TRIAL,
        PATIENT,
        ("Adverse events", "/patients/03-001/#timeline", False),
        ("Edit", None, True),
    ]


def test_a_new_record_and_a_one_per_patient_record_are_named_so(client, coordinator, patient_a):
    randomize(patient_a, coordinator)

    new_cycle = _trail(client, coordinator, "/patients/03-001/cycles/new/")
    end = _trail(client, coordinator, "/patients/03-001/end-of-treatment/new/")

    assert new_cycle[2:] == [
        ("Treatment cycles", "/patients/03-001/#timeline", False),
        ("New", None, True),
    ]
    assert end[2:] == [
        ("End of treatment", "/patients/03-001/#timeline", False),
        ("New", None, True),
    ]


def test_a_follow_up_visit_shows_its_name(client, coordinator, patient_a):
    treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 3, 13),
    )

    assert _trail(client, coordinator, "/patients/03-001/visits/M3/") == [
        TRIAL,
        PATIENT,
        ("Follow-up visits", "/patients/03-001/#timeline", False),
        ("M3", None, True),
    ]


def test_the_screening_correction_and_new_screening(client, coordinator, patient_a):
    assert _trail(client, coordinator, "/patients/03-001/screening/edit/") == [
        TRIAL,
        PATIENT,
        ("Screening", "/patients/03-001/", False),
        ("Edit", None, True),
    ]
    assert _trail(client, coordinator, "/screening/new/") == [
        TRIAL,
        ("Screen a patient", None, True),
    ]


@pytest.mark.parametrize(
    "url", ["/patients/03-001/review/", "/patients/03-001/randomize/", "/patients/03-001/history/"]
)
def test_every_other_patient_page_leads_back_to_the_patient(client, coordinator, patient_a, url):
    assert _trail(client, coordinator, url)[:2] == [TRIAL, PATIENT]
