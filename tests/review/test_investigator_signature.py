"""The investigator's electronic signature of a casebook (21 CFR Part 11 §11.50, §11.200).

An investigator of the patient's site signs by re-entering their password; a wrong password
signs nothing and counts towards the account lockout like a failed log-in. The signature
holds the fingerprint of the casebook as signed: a later change to any of its records
breaks it, and a new signature is asked for. Signatures are never altered or deleted.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InternalError, transaction
from django.test import Client

from accounts.models import AccessEvent
from patients.models import Patient, Screening
from patients.services import screening_update
from review.models import Signature
from review.selectors import signature_state
from review.services import casebook_sign
from tests.factories import PASSWORD
from tests.visits.builders import record_cycle

WRONG_PASSWORD = "not-my-password"
ROLLED_BACK = (
    "App bug (review/services.py casebook_sign): authenticate() runs inside the "
    "service's @transaction.atomic, so the failed attempt axes records and the access-log "
    "entry the user_login_failed signal writes are rolled back with the ValidationError: "
    "wrong passwords at signing are neither logged nor counted towards the lockout."
)


def _stored(patient: Patient) -> Patient:
    """The patient as the review page loads it, with its screening as stored."""
    return Patient.objects.select_related("screening").get(pk=patient.pk)


def _sign(patient, user, request, password=PASSWORD) -> Signature:
    return casebook_sign(user=user, patient=_stored(patient), password=password, request=request)


def test_it_signs_with_the_investigators_password(patient_a, investigator, signing_request):
    signature = _sign(patient_a, investigator, signing_request)

    state = signature_state(_stored(patient_a))
    assert (state.signature, state.valid) == (signature, True)
    assert (signature.patient, signature.signed_by, signature.signer_name) == (
        patient_a,
        investigator,
        "inv_a",
    )
    assert signature.meaning == "I have reviewed and approve the data of this casebook."
    assert signature.signed_at == dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def test_it_shows_a_casebook_never_signed(patient_a):
    state = signature_state(_stored(patient_a))

    assert (state.signature, state.valid) == (None, False)


def test_it_refuses_a_wrong_password_and_signs_nothing(patient_a, investigator, signing_request):
    with pytest.raises(ValidationError) as refused:
        _sign(patient_a, investigator, signing_request, password=WRONG_PASSWORD)

    assert refused.value.message_dict == {
        "password": ["Wrong password: the casebook was not signed."]
    }
    assert not Signature.objects.exists()


def test_it_logs_a_wrong_password_at_signing_as_a_failed_log_in(
    patient_a, investigator, signing_request
):
    with pytest.raises(ValidationError):
        _sign(patient_a, investigator, signing_request, password=WRONG_PASSWORD)

    failed = AccessEvent.objects.get()
    assert (failed.kind, failed.username) == (AccessEvent.Kind.LOGIN_FAILED, "inv_a")


def test_wrong_passwords_at_signing_lock_the_account(patient_a, investigator, rf, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            _sign(
                patient_a,
                investigator,
                rf.post("/patients/03-001/review/sign/"),
                password=WRONG_PASSWORD,
            )

    # Locked: even the right password no longer signs, nor logs in.
    with pytest.raises(ValidationError):
        _sign(patient_a, investigator, rf.post("/patients/03-001/review/sign/"))
    login = Client().post("/login/", {"username": "inv_a", "password": PASSWORD})
    assert login.status_code == 429
    assert not Signature.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "data_manager", "monitor", "investigator_b"])
def test_only_an_investigator_of_the_patients_site_signs(request, patient_a, signing_request, who):
    with pytest.raises(PermissionDenied, match="investigator of the patient's site"):
        _sign(patient_a, request.getfixturevalue(who), signing_request)

    assert not Signature.objects.exists()


def test_a_correction_after_signing_breaks_the_signature(
    patient_a, investigator, coordinator, signing_request
):
    signature = _sign(patient_a, investigator, signing_request)

    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    state = signature_state(_stored(patient_a))
    assert (state.signature, state.valid) == (signature, False)


def test_a_change_that_bypassed_the_services_breaks_the_signature(
    patient_a, investigator, signing_request
):
    _sign(patient_a, investigator, signing_request)

    Screening.objects.filter(patient=patient_a).update(wbc="5.10")

    assert signature_state(_stored(patient_a)).valid is False


def test_a_record_added_after_signing_breaks_the_signature(
    ic_patient, investigator, coordinator, signing_request
):
    _sign(ic_patient, investigator, signing_request)

    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    assert signature_state(_stored(ic_patient)).valid is False


def test_signing_again_after_the_change_makes_the_latest_signature_valid(
    patient_a, investigator, coordinator, rf
):
    first = _sign(patient_a, investigator, rf.post("/"))
    screening_update(
        patient=patient_a, user=coordinator, reason="Transcription error", changes={"ecog": 2}
    )

    with time_machine.travel(dt.datetime(2025, 6, 2, 11, 30, tzinfo=dt.UTC), tick=False):
        second = _sign(patient_a, investigator, rf.post("/"))

    state = signature_state(_stored(patient_a))
    assert (state.signature, state.valid) == (second, True)
    # The broken one is kept: the history of who signed what stays whole.
    assert list(Signature.objects.filter(patient=patient_a).order_by("pk")) == [first, second]


def test_it_refuses_to_alter_a_signature(patient_a, investigator, signing_request):
    signature = _sign(patient_a, investigator, signing_request)
    signature.signer_name = "Someone else"

    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        signature.save()
    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(fingerprint="0" * 64)

    stored = Signature.objects.get(pk=signature.pk)
    assert (stored.signer_name, stored.fingerprint) == ("inv_a", signature.fingerprint)


def test_it_refuses_to_delete_a_signature(patient_a, investigator, signing_request):
    signature = _sign(patient_a, investigator, signing_request)

    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        signature.delete()
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        Signature.objects.all().delete()

    assert Signature.objects.filter(pk=signature.pk).exists()
