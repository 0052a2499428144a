"""A review is not a change of clinical data.

Marking a serious adverse event reviewed records who reviewed it and when: the reviewer's
acknowledgement, not a value of the casebook. It breaks no investigator's signature and clears
no monitor's verification; a change of the event's clinical values still does both.

Fingerprints stored before the review was left out of them are re-stamped on upgrade (review
migration 0004): a signature or mark still valid under the computation before stays valid, a
broken one stays broken, and the audit trail keeps each re-stamp with its reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import InternalError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from pghistory.models import Events

from casebook.registry import site as declared_forms
from patients.models import Patient
from review.fingerprints import casebook_fingerprint, fingerprint, record_values
from review.models import Signature, SourceVerification
from review.selectors import casebook_review, signature_state
from review.services import casebook_sign, record_verify
from tests.factories import PASSWORD
from tests.visits.builders import record_adverse_event
from visits.models import AdverseEvent
from visits.services import adverse_event_review, adverse_event_update

MIGRATION_NAME = "0004_fingerprints_leave_out_sae_review"
upgrade = importlib.import_module(f"review.migrations.{MIGRATION_NAME}")
BOOKKEEPING = ("id", "version", "created_at", "updated_at", "created_by")
ONSET = dt.date(2025, 3, 20)


@pytest.fixture(scope="module")
def apps_at_the_upgrade():
    """The models as the migration sees them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state(("review", MIGRATION_NAME)).apps


def _upgrade(apps, *, forwards: bool = True) -> None:
    upgrade.restamp(apps, SimpleNamespace(connection=connection), forwards=forwards)


@pytest.fixture
def computed_before_the_upgrade(monkeypatch):
    """Compute a fingerprint as before the upgrade, when the review was part of it."""

    def computed(compute, *args):
        form = declared_forms.form("adverse-events")
        with monkeypatch.context() as before:
            before.setitem(
                declared_forms._forms,
                "adverse-events",
                dataclasses.replace(form, fingerprint_ignores=BOOKKEEPING),
            )
            return compute(*args)

    return computed


@pytest.fixture
def sae(ic_patient, coordinator) -> AdverseEvent:
    return record_adverse_event(ic_patient, coordinator, ONSET, serious=True)


def _stored(patient: Patient) -> Patient:
    return Patient.objects.select_related("screening").get(pk=patient.pk)


def _signature_state(patient: Patient) -> tuple[Signature | None, bool]:
    state = signature_state(_stored(patient))
    return state.signature, state.valid


def _record_review(patient: Patient, record):
    [review] = [r for r in casebook_review(_stored(patient)) if r.record == record]
    return review


def _sign(patient, investigator, signing_request) -> Signature:
    return casebook_sign(
        user=investigator, patient=_stored(patient), password=PASSWORD, request=signing_request
    )


def _signed_before_the_upgrade(patient, investigator, computed_before_the_upgrade) -> Signature:
    """A signature given by the code before the upgrade, with its fingerprint then."""
    return Signature.objects.create(
        patient=patient,
        signed_by=investigator,
        signer_name=investigator.username,
        fingerprint=computed_before_the_upgrade(casebook_fingerprint, _stored(patient)),
    )


def _verified_before_the_upgrade(event, monitor, computed_before_the_upgrade):
    stored = AdverseEvent.objects.get(pk=event.pk)
    return SourceVerification.objects.create(
        patient=event.patient,
        content_type=ContentType.objects.get_for_model(AdverseEvent),
        object_id=event.pk,
        field_name="",
        verified_by=monitor,
        fingerprint=computed_before_the_upgrade(lambda: fingerprint(record_values(stored))),
    )


def _correct_grade(event, coordinator, grade: int) -> None:
    adverse_event_update(
        event=event,
        user=coordinator,
        values={"grade": grade},
        version=AdverseEvent.objects.get(pk=event.pk).version,
        reason="Grade from the discharge letter",
    )


# Today: a review is not a change ---------------------------------------------------------


def test_it_keeps_the_investigators_signature_when_an_sae_is_marked_reviewed(
    ic_patient, sae, investigator, data_manager, signing_request
):
    signature = _sign(ic_patient, investigator, signing_request)

    adverse_event_review(event=sae, user=data_manager)

    assert AdverseEvent.objects.get(pk=sae.pk).sae_reviewed_by == data_manager
    assert _signature_state(ic_patient) == (signature, True)


def test_it_keeps_the_monitors_verification_of_an_sae_when_it_is_marked_reviewed(
    ic_patient, sae, monitor, investigator
):
    record_verify(user=monitor, record=sae)

    adverse_event_review(event=sae, user=investigator)

    assert _record_review(ic_patient, sae).verification_current


def test_it_still_breaks_the_signature_and_the_verification_when_the_sae_changes(
    ic_patient, sae, coordinator, investigator, monitor, signing_request
):
    adverse_event_review(event=sae, user=investigator)
    signature = _sign(ic_patient, investigator, signing_request)
    record_verify(user=monitor, record=AdverseEvent.objects.get(pk=sae.pk))

    _correct_grade(sae, coordinator, 4)

    assert _signature_state(ic_patient) == (signature, False)
    assert not _record_review(ic_patient, sae).verification_current


def test_it_declares_the_review_out_of_the_adverse_events_fingerprint():
    fingerprinted = declared_forms.form("adverse-events").fingerprint_fields

    assert "sae_reviewed_at" not in fingerprinted
    assert "sae_reviewed_by" not in fingerprinted
    assert {"term", "grade", "serious", "onset_on", "related_to_salvage"} <= set(fingerprinted)


# The upgrade: valid stays valid, broken stays broken -----------------------------------------


def test_the_upgrade_keeps_valid_a_signature_given_after_the_review(
    ic_patient, sae, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)
    assert not signature_state(_stored(ic_patient)).valid  # as it would read, not re-stamped

    _upgrade(apps_at_the_upgrade)

    assert _signature_state(ic_patient) == (signature, True)
    assert Signature.objects.get(pk=signature.pk).fingerprint == casebook_fingerprint(ic_patient)


def test_the_upgrade_leaves_broken_a_signature_broken_by_a_clinical_change(
    ic_patient, sae, coordinator, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)
    _correct_grade(sae, coordinator, 4)

    _upgrade(apps_at_the_upgrade)

    assert _signature_state(ic_patient) == (signature, False)
    assert Signature.objects.get(pk=signature.pk).fingerprint == signature.fingerprint


def test_the_upgrade_leaves_broken_a_signature_the_review_broke_before_it(
    ic_patient, sae, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    """Signed, then reviewed, before the upgrade: the old code read it as broken, and the
    upgrade does not judge which change broke it."""
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)
    adverse_event_review(event=sae, user=investigator)

    _upgrade(apps_at_the_upgrade)

    assert _signature_state(ic_patient) == (signature, False)
    assert Signature.objects.get(pk=signature.pk).fingerprint == signature.fingerprint


def test_the_upgrade_keeps_a_verified_sae_verified(
    ic_patient, sae, investigator, monitor, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    mark = _verified_before_the_upgrade(sae, monitor, computed_before_the_upgrade)
    assert not _record_review(ic_patient, sae).verification_current

    _upgrade(apps_at_the_upgrade)

    assert _record_review(ic_patient, sae).verified == mark
    assert _record_review(ic_patient, sae).verification_current


def test_the_upgrade_leaves_a_verification_broken_by_a_clinical_change_broken(
    ic_patient,
    sae,
    coordinator,
    investigator,
    monitor,
    computed_before_the_upgrade,
    apps_at_the_upgrade,
):
    adverse_event_review(event=sae, user=investigator)
    mark = _verified_before_the_upgrade(sae, monitor, computed_before_the_upgrade)
    _correct_grade(sae, coordinator, 4)

    _upgrade(apps_at_the_upgrade)

    assert not _record_review(ic_patient, sae).verification_current
    assert SourceVerification.objects.get(pk=mark.pk).fingerprint == mark.fingerprint


def test_the_upgrade_leaves_the_casebooks_without_adverse_events_as_they_were(
    ic_patient, investigator, signing_request, apps_at_the_upgrade
):
    signature = _sign(ic_patient, investigator, signing_request)

    _upgrade(apps_at_the_upgrade)

    assert Signature.objects.get(pk=signature.pk).fingerprint == signature.fingerprint
    assert signature_state(_stored(ic_patient)).valid


def test_the_audit_trail_keeps_each_restamp_with_its_reason(
    ic_patient, sae, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)

    _upgrade(apps_at_the_upgrade)

    restamp = Events.objects.tracks(signature).get(pgh_label="update")
    assert restamp.pgh_context["reason"] == upgrade.REASON
    assert restamp.pgh_diff == {
        "fingerprint": [signature.fingerprint, casebook_fingerprint(ic_patient)]
    }


def test_signatures_stay_append_only_once_the_upgrade_is_done(
    ic_patient, sae, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)
    _upgrade(apps_at_the_upgrade)

    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(fingerprint="0" * 64)


def test_going_back_gives_the_signatures_their_fingerprints_of_before(
    ic_patient, sae, investigator, computed_before_the_upgrade, apps_at_the_upgrade
):
    adverse_event_review(event=sae, user=investigator)
    signature = _signed_before_the_upgrade(ic_patient, investigator, computed_before_the_upgrade)
    _upgrade(apps_at_the_upgrade)

    _upgrade(apps_at_the_upgrade, forwards=False)

    assert Signature.objects.get(pk=signature.pk).fingerprint == signature.fingerprint
