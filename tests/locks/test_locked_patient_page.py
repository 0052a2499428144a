"""A locked casebook says so on the patient's page and offers no entry or correction there:
each would be refused once filled in. The coordinator of the site sees the same page as
before once the data manager has unlocked it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from locks.services import data_lock, data_unlock
from tests.visits.builders import record_cycle

PAGE = "/patients/03-001/"
LOCKED = (
    "The data of patient 03-001 are locked since 02/06/2025 (Interim analysis cut-off "
    "31/05/2025): nothing can change until a data manager unlocks them, with a reason."
)


@pytest.fixture
def treated(ic_patient, coordinator):
    """03-001, randomized, with an induction from 6 to 12 March 2025."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def test_the_coordinator_can_correct_an_unlocked_casebook(client, treated, coordinator):
    html = _page(client, coordinator)

    assert 'id="lock-notice"' not in html
    assert "/screening/edit/" in html and "/edit/" in html.split('id="timeline"', 1)[-1]


def test_a_locked_casebook_says_so_and_offers_no_entry(client, treated, coordinator, data_manager):
    data_lock(user=data_manager, patient=treated, reason="Interim analysis cut-off 31/05/2025")

    html = _page(client, coordinator)

    assert f'<p class="message" id="lock-notice">{LOCKED}</p>' in html
    assert "/edit/" not in html and "/new/" not in html


def test_an_unlocked_casebook_offers_its_entries_again(client, treated, coordinator, data_manager):
    lock = data_lock(user=data_manager, patient=treated, reason="Cut-off 31/05/2025")
    data_unlock(user=data_manager, lock=lock, reason="Cut-off moved")

    html = _page(client, coordinator)

    assert 'id="lock-notice"' not in html
    assert "/screening/edit/" in html
