"""After saving a visit opened from the worklist, the coordinator is back on the worklist
(with its site and sort), not on the patient's page; a `next` pointing to another host is
ignored, so a crafted link cannot send anyone from a saved visit to a look-alike site.

Treatment ended on 13 March 2025: M3 (13 June) is due from 30 May. Today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest

import protocol
from tests.visits.builders import treated_patient
from visits.models import FollowUpVisit

VISIT = "/patients/03-001/visits/M3/"
WORKLIST = "/worklist/?site=3&sort=status"


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 3, 13),
    )


def _done(next_url: str | None = None) -> dict[str, str]:
    values = {
        "action": "record",
        "performed_on": "2025-06-02",
        "vital_status": protocol.VitalStatus.ALIVE,
        "version": "1",
    }
    if next_url is not None:
        values["next"] = next_url
    return values


def test_the_worklist_opens_a_visit_with_the_way_back(client, coordinator, followed):
    client.force_login(coordinator)

    page = client.get(WORKLIST)

    assert f'href="{VISIT}?next=%2Fworklist%2F%3Fsite%3D3%26sort%3Dstatus"' in page.text


def test_the_visit_form_carries_the_way_back_and_cancel_leads_there(client, coordinator, followed):
    client.force_login(coordinator)

    form = client.get(VISIT, {"next": WORKLIST}).text

    assert (
        form.count('<input type="hidden" name="next" value="/worklist/?site=3&amp;sort=status">')
        == 2
    )
    assert '<a href="/worklist/?site=3&amp;sort=status">Cancel</a>' in form


def test_saving_a_visit_opened_from_the_worklist_goes_back_to_the_worklist(
    client, coordinator, followed
):
    client.force_login(coordinator)

    saved = client.post(VISIT, _done(WORKLIST))

    assert saved.status_code == 302
    assert saved.url == WORKLIST
    assert FollowUpVisit.objects.get(patient=followed, month=3).performed_on == dt.date(2025, 6, 2)


def test_marking_it_missed_goes_back_to_the_worklist_too(client, coordinator, followed):
    client.force_login(coordinator)

    missed = client.post(
        VISIT,
        {
            "action": "miss",
            "missed-missed_reason": "Patient moved away",
            "missed-version": "1",
            "next": WORKLIST,
        },
    )

    assert missed.url == WORKLIST


def test_without_a_way_back_saving_opens_the_patients_page(client, coordinator, followed):
    client.force_login(coordinator)

    assert client.post(VISIT, _done()).url == "/patients/03-001/"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/worklist/",
        "//evil.example/worklist/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "https:///evil.example/",
    ],
)
def test_a_way_back_to_another_host_is_ignored(client, coordinator, followed, elsewhere):
    client.force_login(coordinator)

    form = client.get(VISIT, {"next": elsewhere}).text
    saved = client.post(f"{VISIT}?next={elsewhere}", _done(elsewhere))

    assert "evil" not in form and "javascript:" not in form
    assert saved.status_code == 302
    assert saved.url == "/patients/03-001/"
