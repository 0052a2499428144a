"""Two editors of one screening: the second cannot silently undo the first.

Each correction starts from the version of the screening its editor saw (the patient's sex
and year of birth, corrected on the same form, count with it). If a colleague saved a
correction since, the second save is refused, nothing of it is saved, and the message says
who saved since and when; once reloaded, the second editor applies their change on top.
The page carries the version in a hidden field; the API requires it (400 under `version`,
as the visit records' corrections answer a stale version).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from audit.records import VersionConflict
from audit.selectors import history_of
from dashboard.services import screening_correct
from patients.models import Patient, Screening
from tests.factories import UserFactory

EDIT_PAGE = "/patients/03-001/screening/edit/"
API = "/api/v1/patients/03-001/"
FIRST_REASON = "Decimal point misplaced: 42.0 on the lab report"
SECOND_REASON = "ECOG re-assessed at the screening visit"


@pytest.fixture
def first_editor(coordinator):
    coordinator.first_name, coordinator.last_name = "Anne", "Martin"
    coordinator.save(update_fields=["first_name", "last_name"])
    return coordinator


@pytest.fixture
def second_editor(site_a):
    return UserFactory(username="coord_a2", role=Role.COORDINATOR, sites=[site_a])


def _open_correction_page(user) -> tuple[Client, dict[str, str]]:
    """Log in and open the correction page: the values a browser would send back as shown."""
    client = Client()
    client.force_login(user)
    page = client.get(EDIT_PAGE)
    assert page.status_code == 200
    (form,) = lxml.html.fromstring(page.content).find_class("crf")
    return client, dict(form.form_values())


def _corrections(patient: Patient) -> list:
    return [e for e in history_of(patient, patient.screening) if e.action == "update"]


# The page ----------------------------------------------------------------------------------


def test_it_carries_the_version_the_editor_saw_in_the_correction_form(patient_a, first_editor):
    _, shown = _open_correction_page(first_editor)

    assert shown["version"] == "1"


def test_it_refuses_the_second_of_two_corrections_opened_on_the_same_version(
    patient_a, first_editor, second_editor
):
    first, first_form = _open_correction_page(first_editor)
    second, second_form = _open_correction_page(second_editor)  # before the first saves

    saved = first.post(EDIT_PAGE, {**first_form, "wbc": "42.00", "reason": FIRST_REASON})
    # The second form still shows the old white-cell count: saved, it would put 4.2 back.
    refused = second.post(EDIT_PAGE, {**second_form, "ecog": "2", "reason": SECOND_REASON})

    assert saved.status_code == 302
    assert refused.status_code == 200
    assert "changed by someone else" in refused.text
    screening = Screening.objects.get(patient=patient_a)
    assert (screening.wbc, screening.ecog, screening.version) == (Decimal("42.00"), 1, 2)
    corrections = _corrections(patient_a)
    assert [(c.username, c.reason, c.changes) for c in corrections] == [
        ("coord_a", FIRST_REASON, {"wbc": (4.2, 42.0)})
    ]


def test_it_says_who_saved_since_and_when(patient_a, first_editor, second_editor):
    first, first_form = _open_correction_page(first_editor)
    second, second_form = _open_correction_page(second_editor)
    first.post(EDIT_PAGE, {**first_form, "wbc": "42.00", "reason": FIRST_REASON})

    refused = second.post(EDIT_PAGE, {**second_form, "ecog": "2", "reason": SECOND_REASON})

    # Saved at the frozen 10:00 UTC, 12:00 in Paris.
    assert (
        "This record was changed by someone else after you opened it: saved by Anne Martin "
        "on 02/06/2025 at 12:00 CEST (10:00 UTC). Nothing was saved"
    ) in refused.text


def test_it_saves_the_second_correction_once_reloaded_on_top_of_the_first(
    patient_a, first_editor, second_editor
):
    first, first_form = _open_correction_page(first_editor)
    second, stale_form = _open_correction_page(second_editor)
    first.post(EDIT_PAGE, {**first_form, "wbc": "42.00", "reason": FIRST_REASON})
    second.post(EDIT_PAGE, {**stale_form, "ecog": "2", "reason": SECOND_REASON})

    second, reloaded = _open_correction_page(second_editor)
    saved = second.post(EDIT_PAGE, {**reloaded, "ecog": "2", "reason": SECOND_REASON})

    assert reloaded["version"] == "2"
    assert saved.status_code == 302
    screening = Screening.objects.get(patient=patient_a)
    assert (screening.wbc, screening.ecog, screening.version) == (Decimal("42.00"), 2, 3)


def test_it_counts_a_correction_of_the_patients_sex_in_the_screenings_version(
    patient_a, first_editor, second_editor
):
    first, first_form = _open_correction_page(first_editor)
    second, second_form = _open_correction_page(second_editor)
    first.post(EDIT_PAGE, {**first_form, "sex": "M", "reason": "Sex mis-keyed"})

    refused = second.post(EDIT_PAGE, {**second_form, "ecog": "2", "reason": SECOND_REASON})

    assert "changed by someone else" in refused.text
    patient = Patient.objects.get(pk=patient_a.pk)
    assert (patient.sex, patient.screening.ecog, patient.screening.version) == ("M", 1, 2)


# Two saves at the same moment --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_simultaneous_corrections_of_the_same_version_through(
    patient_a, first_editor, second_editor
):
    """Both start together from version 1: the row lock lets one finish first, and the
    other then finds version 2 and saves nothing, whichever of the two comes first."""
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def correct(user, changes: dict, reason: str) -> None:
        try:
            start.wait()
            screening_correct(
                patient=patient_a, user=user, reason=reason, changes=changes, version=1
            )
            outcomes[user.username] = "saved"
        except VersionConflict as refusal:
            outcomes[user.username] = refusal
        finally:
            connection.close()

    editors = [
        threading.Thread(target=correct, args=(first_editor, {"wbc": "42.00"}, FIRST_REASON)),
        threading.Thread(target=correct, args=(second_editor, {"ecog": 2}, SECOND_REASON)),
    ]
    for editor in editors:
        editor.start()
    for editor in editors:
        editor.join(timeout=30)

    assert sorted(map(type, outcomes.values()), key=str) == sorted([str, VersionConflict], key=str)
    screening = Screening.objects.get(patient=patient_a)
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    expected = (Decimal("42.00"), 1) if winner == "coord_a" else (Decimal("4.20"), 2)
    assert (screening.wbc, screening.ecog) == expected
    assert screening.version == 2
    assert len(_corrections(patient_a)) == 1


# The API -----------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_gives_the_version_to_send_back_with_a_correction(patient_a, first_editor):
    api = _api(first_editor)

    read = api.get(API).json()
    corrected = api.patch(
        API, {"wbc": "42.00", "version": read["version"], "reason": FIRST_REASON}, format="json"
    )

    assert read["version"] == 1
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["version"] == 2


def test_the_api_refuses_a_correction_without_the_version_and_saves_nothing(
    patient_a, first_editor
):
    response = _api(first_editor).patch(
        API, {"wbc": "42.00", "reason": FIRST_REASON}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"version": ["Give the version you read."]}
    screening = Screening.objects.get(patient=patient_a)
    assert (screening.wbc, screening.version) == (Decimal("4.20"), 1)
    assert _corrections(patient_a) == []


def test_the_api_refuses_a_stale_version_under_version_naming_who_saved_since_and_when(
    patient_a, first_editor, second_editor
):
    both_read = _api(second_editor).get(API).json()["version"]
    _api(first_editor).patch(
        API, {"wbc": "42.00", "version": both_read, "reason": FIRST_REASON}, format="json"
    )

    response = _api(second_editor).patch(
        API,
        {"wbc": "4.20", "ecog": 2, "version": both_read, "reason": SECOND_REASON},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert "saved by Anne Martin on 02/06/2025 at 12:00" in response.json()["version"][0]
    screening = Screening.objects.get(patient=patient_a)
    assert (screening.wbc, screening.ecog, screening.version) == (Decimal("42.00"), 1, 2)
    assert [c.reason for c in _corrections(patient_a)] == [FIRST_REASON]
