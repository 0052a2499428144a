"""The pages read in bulk: the number of database queries does not grow with the data.

The dashboard and the worklist cost the same with 2 or 6 patients; the patient page costs
the same for a patient with one cycle as for one with a full history. Measured on
10 September 2025, when every patient's M3 is overdue and M6 is due.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

import protocol
from randomization.models import Randomization
from tests.factories import screen_patient
from tests.visits.builders import (
    at_noon_in_paris,
    contradicts_arm,
    randomize,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import FollowUpVisit
from visits.selectors import worklist

MEASURED_ON = dt.date(2025, 9, 10)


@pytest.fixture
def in_september(frozen_today):
    with time_machine.travel(at_noon_in_paris(MEASURED_ON), tick=False):
        yield MEASURED_ON


def _treated(patient, user):
    """One induction, a serious adverse event, end of treatment on 13 March."""
    randomize(patient, user)
    record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_adverse_event(patient, user, dt.date(2025, 3, 10))
    record_end_of_treatment(patient, user, dt.date(2025, 3, 13))
    return patient


def _with_full_history(patient, user):
    """Three cycles (one a deviation), two responses, three adverse events, visits done."""
    randomization = randomize(patient, user)
    record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(patient, user, dt.date(2025, 3, 30), protocol.ResponseCategory.CR)
    record_cycle(
        patient, user, dt.date(2025, 4, 1), dt.date(2025, 4, 5), **contradicts_arm(randomization)
    )
    record_cycle(patient, user, dt.date(2025, 4, 20), dt.date(2025, 4, 25))
    record_response(patient, user, dt.date(2025, 4, 28), protocol.ResponseCategory.CR)
    for onset, term in (
        (dt.date(2025, 3, 8), "Febrile neutropenia"),
        (dt.date(2025, 4, 3), "Hyperglycemia"),
        (dt.date(2025, 4, 22), "Nausea"),
    ):
        record_adverse_event(patient, user, onset, term=term, serious=term == "Nausea")
    record_end_of_treatment(patient, user, dt.date(2025, 4, 30))
    m3 = FollowUpVisit.objects.get(patient=patient, month=3)
    services.followup_visit_record(
        visit=m3,
        user=user,
        version=m3.version,
        values={"performed_on": dt.date(2025, 7, 28), "vital_status": protocol.VitalStatus.ALIVE},
    )
    return patient


def _queries(client, url: str) -> int:
    client.get(url)  # the first request fills per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return len(queries.captured_queries)


def test_it_keeps_the_dashboard_and_worklist_queries_constant_as_patients_are_added(
    client, site_a, coordinator, in_september
):
    for _ in range(2):
        _treated(screen_patient(site=site_a, user=coordinator), coordinator)
    client.force_login(coordinator)
    with_two = {url: _queries(client, url) for url in ("/", "/worklist/")}
    assert len(worklist(coordinator)) == 2 * 2  # M3 overdue and M6 due, per patient

    for _ in range(4):
        _treated(screen_patient(site=site_a, user=coordinator), coordinator)
    with_six = {url: _queries(client, url) for url in ("/", "/worklist/")}

    assert len(worklist(coordinator)) == 6 * 2
    assert with_six == with_two


def test_it_keeps_the_patient_page_queries_constant_whatever_the_patients_records(
    client, site_a, coordinator, in_september
):
    plain = _treated(screen_patient(site=site_a, user=coordinator), coordinator)
    full = _with_full_history(screen_patient(site=site_a, user=coordinator), coordinator)
    assert full.cycles.count() == 3 and full.deviations.count() == 1
    assert Randomization.objects.count() == 2
    client.force_login(coordinator)

    assert _queries(client, f"/patients/{full.study_id}/") == _queries(
        client, f"/patients/{plain.study_id}/"
    )
