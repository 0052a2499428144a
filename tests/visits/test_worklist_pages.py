"""The worklist shows one page of visits, in the chosen order, with page links that keep the
site and the sort: a large trial's hundreds of owed visits are not rendered at once."""

from __future__ import annotations

import datetime as dt

from tests.factories import screen_patient
from tests.visits.builders import treated_patient
from visits import views
from visits.selectors import worklist


def _rows(page) -> list[tuple[str, int]]:
    return [(row.study_id, row.visit.month) for row in page.context["rows"]]


def test_it_pages_the_worklist_in_its_order(client, site_a, patient_a, coordinator, monkeypatch):
    for patient, ended_on in ((patient_a, 13), (screen_patient(site=site_a, user=coordinator), 20)):
        treated_patient(
            patient,
            coordinator,
            cycle_started_on=dt.date(2025, 3, 6),
            cycle_ended_on=dt.date(2025, 3, 12),
            ended_treatment_on=dt.date(2025, 3, ended_on),
        )
    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 1)
    client.force_login(coordinator)
    owed = [(row.study_id, row.visit.month) for row in worklist(coordinator, sort="study_id")]

    pages = [client.get("/worklist/", {"sort": "study_id", "page": n}) for n in (1, 2)]

    assert len(owed) == 2
    assert [_rows(p) for p in pages] == [owed[:1], owed[1:]]
    assert 'href="?sort=study_id&amp;page=2"' in pages[0].content.decode()
    assert "1–1 of 2" in pages[0].content.decode()
