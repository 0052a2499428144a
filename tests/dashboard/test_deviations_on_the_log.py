"""The landing page names the open protocol deviations up to a few, most serious and recent
first, and counts them all: a large trial's deviations are not all rendered on every visit."""

from __future__ import annotations

import datetime as dt

from dashboard import views
from tests.factories import screen_patient
from tests.visits.builders import contradicts_arm, cycle_values, randomize
from visits.selectors import open_deviations
from visits.services import cycle_record


def test_it_lists_the_first_deviations_and_counts_them_all(
    client, site_a, coordinator, data_manager, frozen_today, monkeypatch
):
    for _ in range(3):  # a cycle against the arm: one deviation each
        randomization = randomize(screen_patient(site=site_a, user=coordinator), coordinator)
        values = cycle_values(
            randomization,
            dt.date(2025, 3, 6),
            dt.date(2025, 3, 12),
            **contradicts_arm(randomization),
        )
        cycle_record(patient=randomization.patient, user=coordinator, values=values)
    monkeypatch.setattr(views, "DEVIATIONS_SHOWN", 2)
    client.force_login(data_manager)
    every = list(open_deviations(data_manager))

    page = client.get("/")

    assert len(every) == 3
    assert list(page.context["deviations"]) == every[:2]
    assert page.context["deviation_count"] == 3
    assert "3 protocol deviations" in page.content.decode()
    assert "The 2 most serious and recent are listed." in page.content.decode()
