"""The end of treatment and leaving the study have a reason of their own (toxicity,
progression...; death, consent withdrawal...), and a correction needs a reason for change.
Both are asked for: the record's reason stays a choice that can be corrected, and the reason
for change goes to the audit trail.

Before, the correction's reason for change took the record's field name, `reason`: the page
lost the record's own choice and refused every sentence as "not a valid choice", and the API
dropped a corrected reason without a word.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

import protocol
from accounts.services import api_token_issue
from audit.selectors import history_of
from tests.visits.builders import death_values, record_cycle, record_end_of_treatment
from visits.models import EndOfTreatment, OffStudy
from visits.services import off_study_record

Reason = protocol.EndOfTreatmentReason
END_OF_TREATMENT_PAGE = "/patients/03-001/end-of-treatment/edit/"
END_OF_TREATMENT_API = "/api/v1/patients/03-001/end-of-treatment/current/"
OFF_STUDY_PAGE = "/patients/03-001/off-study/edit/"


@pytest.fixture
def ended(ic_patient, coordinator):
    """patient_a, one induction given, treatment ended 'completed' on 20 April 2025."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 4, 20))


def _api(user) -> APIClient:
    api = APIClient()
    _, token = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _last_reason_for_change(record) -> str | None:
    return history_of(record)[-1].reason


def test_the_page_offers_the_records_reason_and_asks_the_reason_for_change(
    client, coordinator, ended
):
    client.force_login(coordinator)

    html = client.get(END_OF_TREATMENT_PAGE).content.decode()

    assert '<select name="reason"' in html
    assert '<option value="completed" selected>' in html
    assert 'name="reason_for_change"' in html


def test_the_page_corrects_the_records_reason_with_a_reason_for_change(client, coordinator, ended):
    client.force_login(coordinator)

    response = client.post(
        END_OF_TREATMENT_PAGE,
        {
            "ended_on": "20/04/2025",
            "reason": Reason.TOXICITY,
            "note": "",
            "version": ended.version,
            "reason_for_change": "Stopped for toxicity, per the discharge letter",
        },
    )

    assert response.status_code == 302
    ended.refresh_from_db()
    assert ended.reason == Reason.TOXICITY
    assert _last_reason_for_change(ended) == "Stopped for toxicity, per the discharge letter"


def test_the_page_keeps_what_was_typed_when_the_reason_for_change_is_missing(
    client, coordinator, ended
):
    client.force_login(coordinator)

    response = client.post(
        END_OF_TREATMENT_PAGE,
        {
            "ended_on": "20/04/2025",
            "reason": Reason.TOXICITY,
            "note": "See the discharge letter",
            "version": ended.version,
            "reason_for_change": "\u200b",  # a zero-width space says nothing
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"reason_for_change": ["Give a reason for the change."]}
    html = response.content.decode()
    assert '<option value="toxicity" selected>' in html
    assert "See the discharge letter" in html
    ended.refresh_from_db()
    assert ended.reason == Reason.COMPLETED


def test_the_page_corrects_a_death_record_with_a_reason_for_change(client, coordinator, ended):
    off = off_study_record(
        patient=ended.patient, user=coordinator, values=death_values(dt.date(2025, 5, 10))
    )
    client.force_login(coordinator)

    response = client.post(
        OFF_STUDY_PAGE,
        {
            "reason": protocol.OffStudyReason.DEATH,
            "event_on": "10/05/2025",
            "death_cause": protocol.DeathCause.LEUKAEMIA,
            "data_use": "",
            "note": "Died at home",
            "version": off.version,
            "reason_for_change": "Place of death added",
        },
    )

    assert response.status_code == 302
    off.refresh_from_db()
    assert off.note == "Died at home"
    assert _last_reason_for_change(off) == "Place of death added"


def test_the_api_corrects_the_records_reason_given_a_reason_for_change(coordinator, ended):
    response = _api(coordinator).patch(
        END_OF_TREATMENT_API,
        {"reason": "toxicity", "reason_for_change": "Per the discharge letter", "version": 1},
        format="json",
    )

    assert response.status_code == 200, response.json()
    ended.refresh_from_db()
    assert ended.reason == Reason.TOXICITY
    assert _last_reason_for_change(ended) == "Per the discharge letter"


def test_the_api_refuses_a_reason_that_is_not_one_of_the_records(coordinator, ended):
    response = _api(coordinator).patch(
        END_OF_TREATMENT_API,
        {"reason": "tired", "reason_for_change": "Per the discharge letter", "version": 1},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    ended.refresh_from_db()
    assert ended.reason == Reason.COMPLETED and ended.version == 1


def test_the_api_still_takes_reason_as_the_reason_for_change_without_reason_for_change(
    coordinator, ended
):
    """A client written before reason_for_change: its `reason` is the reason for change."""
    response = _api(coordinator).patch(
        END_OF_TREATMENT_API,
        {"note": "Letter filed", "reason": "Note added", "version": 1},
        format="json",
    )

    assert response.status_code == 200, response.json()
    ended.refresh_from_db()
    assert (ended.reason, ended.note) == (Reason.COMPLETED, "Letter filed")
    assert _last_reason_for_change(ended) == "Note added"


def test_a_record_without_a_reason_of_its_own_keeps_reason_as_the_reason_for_change(
    client, coordinator, ended
):
    cycle = ended.patient.cycles.get()
    client.force_login(coordinator)

    html = client.get(f"/patients/03-001/cycles/{cycle.pk}/edit/").content.decode()

    assert 'name="reason"' in html and "reason_for_change" not in html
    assert OffStudy.objects.count() == 0 and EndOfTreatment.objects.count() == 1
