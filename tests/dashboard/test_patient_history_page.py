"""A patient's audit trail on a page of its own, a page of changes at a time.

The trail grows with every save of the patient's course; the patient page links to it and
no longer reads it. Whoever may open the patient's page may open its history, nobody else.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.selectors import history_of
from dashboard import patient_pages
from patients.services import screening_update
from tests.factories import all_criteria_met

HISTORY = "/patients/03-001/history/"


def _rows(html: str) -> list[str]:
    body = html.split('id="history"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


@pytest.fixture
def corrected_twice(patient_a, coordinator):
    for ecog, reason in ((2, "ECOG read again"), (1, "ECOG after transfusion")):
        screening_update(
            patient=patient_a,
            user=coordinator,
            reason=reason,
            changes={"ecog": ecog},
            answers=all_criteria_met(),
        )
    return patient_a


def test_the_patient_page_links_to_the_history_without_reading_the_audit_trail(
    client, coordinator, patient_a
):
    client.force_login(coordinator)

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/patients/03-001/").content.decode()

    assert f'href="{HISTORY}"' in html
    assert 'id="history"' not in html
    assert not [q for q in queries.captured_queries if "pghistory_events" in q["sql"]]


def test_the_history_lists_every_audited_change_oldest_first(client, coordinator, corrected_twice):
    client.force_login(coordinator)

    html = client.get(HISTORY).content.decode()

    entries = history_of(corrected_twice, corrected_twice.screening)
    rows = _rows(html)
    assert len(rows) == len(entries) > 2
    assert "Initial entry" in rows[0]
    assert "ECOG read again" in rows[-2] and "ECOG after transfusion" in rows[-1]
    assert "ECOG performance status: 2 → 1" in rows[-1]


def test_the_history_comes_a_page_at_a_time(client, coordinator, corrected_twice, monkeypatch):
    monkeypatch.setattr(patient_pages, "HISTORY_PAGE_SIZE", 5)
    client.force_login(coordinator)
    count = len(history_of(corrected_twice, corrected_twice.screening))
    last = -(-count // 5)

    first = client.get(HISTORY).content.decode()
    final = client.get(HISTORY, {"page": last}).content.decode()

    assert len(_rows(first)) == 5
    assert len(_rows(final)) == count - 5 * (last - 1)
    assert "Initial entry" in _rows(first)[0]
    assert "ECOG after transfusion" in _rows(final)[-1]
    assert f"1–5 of {count}" in first
    assert 'rel="next"' in first and 'rel="next"' not in final


def test_another_sites_coordinator_finds_no_history(client, coordinator_b, patient_a):
    client.force_login(coordinator_b)

    response = client.get(HISTORY)

    assert response.status_code == 404
    assert "03-001" not in response.content.decode()


def test_the_data_manager_reads_every_sites_history(client, data_manager, corrected_twice):
    client.force_login(data_manager)

    response = client.get(HISTORY)

    assert response.status_code == 200
    assert "ECOG after transfusion" in response.content.decode()
