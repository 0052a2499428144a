"""The screening log costs the same with 3 or 30 patients, each with a serious adverse
event whose SAE report awaits submission: the log shows a page of patients, and the 20 most
urgent reports (earliest awareness first) with how many there are, not every one."""

from __future__ import annotations

import datetime as dt

import lxml.html
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.views import SAES_SHOWN
from tests.factories import screen_patient
from tests.visits.builders import randomize, record_adverse_event, record_cycle


def _with_sae(site, user, count: int) -> None:
    for _ in range(count):
        patient = screen_patient(site=site, user=user)
        randomize(patient, user)
        record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
        record_adverse_event(patient, user, dt.date(2025, 5, 30), serious=True)


def _log(client) -> tuple[int, str]:
    client.get("/")  # the first request fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")
    assert page.status_code == 200
    return len(queries.captured_queries), page.content.decode()


def _saes_listed(page: str) -> int:
    return len(lxml.html.fromstring(page).xpath("//section[@id='saes-awaiting']//tbody/tr"))


def test_it_costs_the_same_queries_with_3_and_30_patients(
    client, site_a, coordinator, frozen_today
):
    _with_sae(site_a, coordinator, 3)
    client.force_login(coordinator)
    with_3, page_3 = _log(client)

    _with_sae(site_a, coordinator, 27)
    with_30, page_30 = _log(client)

    assert with_30 == with_3
    assert (_saes_listed(page_3), _saes_listed(page_30)) == (3, SAES_SHOWN)
    assert "most urgent of" not in page_3
    assert f"The {SAES_SHOWN} most urgent of 30 are listed." in page_30
