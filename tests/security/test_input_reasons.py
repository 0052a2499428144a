"""A reason for change says something: one rule (audit.records.reason_for_change) for every
correction, lock, unlock and unblinding. Whitespace, a zero-width space or other invisible
format characters alone are no reason; a reason is bounded like the field that shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

import protocol
from audit.records import ReasonRequired, reason_for_change
from locks.models import DataLock
from tests.visits.builders import randomize, record_cycle
from visits.models import TreatmentCycle

INVISIBLE = ["", "   ", "\u200b", " \u200b\u200c\u200d\ufeff ", "\u2060\u00a0", "\t\r\n"]


@pytest.fixture
def cycle(patient_a, coordinator, frozen_today):
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    return record_cycle(patient_a, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))


def _api_as(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("reason", INVISIBLE)
def test_it_refuses_a_reason_with_nothing_visible(reason):
    with pytest.raises(ReasonRequired) as refused:
        reason_for_change(reason)

    assert refused.value.message_dict == {"reason": ["Give a reason for the change."]}


def test_it_keeps_a_reason_stripped():
    assert reason_for_change("  Transcription error \u200b ") == "Transcription error \u200b"


@pytest.mark.parametrize("reason", [*INVISIBLE[1:], "x" * 301, "typo\x00"])
def test_it_refuses_a_correction_through_the_api_without_a_real_reason(reason, cycle, coordinator):
    answer = _api_as(coordinator).patch(
        f"/api/v1/patients/03-001/cycles/{cycle.pk}/",
        {
            "delay_days": 2,
            "modification_note": "Infection",
            "version": cycle.version,
            "reason": reason,
        },
        format="json",
    )

    assert answer.status_code == 400
    assert list(answer.json()) == ["reason"]
    assert TreatmentCycle.objects.get(pk=cycle.pk).version == cycle.version


def test_it_refuses_a_zero_width_space_as_a_reason_on_the_page(client, cycle, coordinator):
    client.force_login(coordinator)

    page = client.post(
        f"/patients/03-001/cycles/{cycle.pk}/edit/",
        {
            "started_on": "2025-03-06",
            "ended_on": "2025-03-12",
            "amsacrine_mg_m2": "450",
            "cytarabine_mg_m2": "2800",
            "delay_days": "0",
            "version": cycle.version,
            "reason": "\u200b",
            **(
                {"dexamethasone_given": "on", "dexamethasone_mg": "160"}
                if cycle.patient.randomization.arm == "dex"
                else {}
            ),
        },
    )

    assert page.status_code == 200  # the form again, with what was typed
    assert page.context["form"].errors["reason"] == ["Give a reason for the change."]
    assert page.context["form"]["cytarabine_mg_m2"].value() == "2800"
    assert TreatmentCycle.objects.get(pk=cycle.pk).version == cycle.version


def test_it_refuses_a_zero_width_space_as_a_lock_reason(patient_a, data_manager):
    answer = _api_as(data_manager).post(
        "/api/v1/locks/", {"study_id": "03-001", "reason": "\u200b"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json() == {"reason": ["Say why the data are locked (e.g. the cut-off)."]}
    assert not DataLock.objects.exists()
