"""Submitting is the investigator's e-signature, password re-entered as for the casebook:
it locks the version for good and stamps it; the first submission is the sponsor's first
knowledge of the case. A submitted version is never changed; a follow-up adds what is new."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, transaction
from pghistory.models import Events

from locks.services import data_lock
from notices.models import Notice, NoticeKind
from protocol.safety import SaeOutcome
from safety.models import SaeReportVersion
from safety.services import sae_draft_save, sae_follow_up_start, sae_version_fingerprint
from tests.conftest import TODAY
from tests.safety.conftest import complete, complete_values, draft_of, submit


def test_the_investigator_submits_with_the_password(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)

    submitted = submit(sae, investigator, signing_request)

    submitted.refresh_from_db()
    assert submitted.status == SaeReportVersion.Status.SUBMITTED
    assert (submitted.submitted_at, submitted.submitted_by) == (TODAY, investigator)
    assert submitted.signer_name == investigator.get_full_name() or investigator.username
    assert submitted.fingerprint == sae_version_fingerprint(submitted)
    assert submitted.submitted_late_by is None
    sae.refresh_from_db()
    assert sae.sponsor_received_at == TODAY
    signed = Events.objects.tracks(submitted).order_by("pgh_id").last()
    assert signed.pgh_context["user"] == investigator.pk
    assert signed.pgh_context["reason"].startswith("Initial report submitted: signed by")


def test_a_wrong_password_submits_nothing_and_stamps_nothing(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)

    with pytest.raises(ValidationError) as refused:
        submit(sae, investigator, signing_request, password="not-my-password")

    assert refused.value.message_dict == {
        "password": ["Wrong password: the report was not submitted."]
    }
    draft = draft_of(sae)
    assert (draft.submitted_at, draft.submitted_by, draft.fingerprint) == (None, None, "")
    sae.refresh_from_db()
    assert sae.sponsor_received_at is None


def test_the_coordinator_drafts_but_does_not_sign(sae, coordinator, signing_request):
    complete(sae, coordinator)

    with pytest.raises(PermissionDenied):
        submit(sae, coordinator, signing_request)


def test_another_sites_investigator_may_not_sign(sae, coordinator, investigator_b, signing_request):
    complete(sae, coordinator)

    with pytest.raises(PermissionDenied):
        submit(sae, investigator_b, signing_request)


def test_at_least_one_seriousness_criterion_is_required(
    sae, coordinator, investigator, signing_request
):
    draft = draft_of(sae)
    sae_draft_save(
        draft=draft,
        user=coordinator,
        values=complete_values(sae.patient, hospitalisation=False),
        version=draft.version,
    )

    with pytest.raises(ValidationError) as refused:
        submit(sae, investigator, signing_request)

    assert refused.value.message_dict == {
        "results_in_death": ["Tick at least one seriousness criterion."]
    }
    assert draft_of(sae).submitted_at is None


def test_every_suspect_drug_needs_its_causality_to_submit(
    sae, coordinator, investigator, signing_request
):
    draft = draft_of(sae)
    values = complete_values(sae.patient, amsacrine_causality="")
    sae_draft_save(draft=draft, user=coordinator, values=values, version=draft.version)

    with pytest.raises(ValidationError) as refused:
        submit(sae, investigator, signing_request)

    assert refused.value.message_dict == {
        "amsacrine_causality": ["Give the causality of amsacrine."]
    }


def test_a_report_submitted_after_24_hours_keeps_how_late_it_was(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)

    with time_machine.travel(TODAY + dt.timedelta(hours=27, minutes=15), tick=False):
        submitted = submit(sae, investigator, signing_request)

    submitted.refresh_from_db()
    assert submitted.submitted_late_by == dt.timedelta(hours=3, minutes=15)
    assert submitted.late_text == "3 h 15 min"


def test_a_submitted_version_is_refused_by_the_service(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    submitted = submit(sae, investigator, signing_request)

    with pytest.raises(ValidationError) as refused:
        sae_draft_save(
            draft=submitted, user=coordinator, values={"narrative": "Changed"}, version=None
        )

    assert "cannot change: start a follow-up report" in refused.value.messages[0]


def test_a_submitted_version_is_refused_by_the_database(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    submitted = submit(sae, investigator, signing_request)

    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        SaeReportVersion.objects.filter(pk=submitted.pk).update(narrative="Rewritten by SQL")
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        SaeReportVersion.objects.filter(pk=submitted.pk).delete()

    submitted.refresh_from_db()
    assert submitted.narrative == complete_values(sae.patient)["narrative"]


def test_a_version_cannot_be_submitted_without_its_signature(sae):
    with pytest.raises(IntegrityError), transaction.atomic():
        SaeReportVersion.objects.filter(report=sae).update(status="submitted")


def test_a_follow_up_copies_the_last_submitted_version_and_keeps_the_initial(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    initial = submit(sae, investigator, signing_request)

    follow_up = sae_follow_up_start(report=sae, user=coordinator)
    sae_draft_save(
        draft=follow_up,
        user=coordinator,
        values={"outcome": SaeOutcome.RECOVERED, "narrative": "Discharged on day 20."},
        version=follow_up.version,
    )
    submitted = submit(sae, investigator, signing_request)

    versions = list(sae.versions.order_by("number"))
    assert [(v.number, v.label, v.status) for v in versions] == [
        (0, "initial report", "submitted"),
        (1, "follow-up 1", "submitted"),
    ]
    initial.refresh_from_db()
    assert (initial.outcome, initial.hospitalisation) == (SaeOutcome.RECOVERING, True)
    assert (submitted.outcome, submitted.hospitalisation) == (SaeOutcome.RECOVERED, True)
    assert initial.fingerprint != submitted.fingerprint
    sae.refresh_from_db()
    assert sae.sponsor_received_at == initial.submitted_at  # the first knowledge stays


def test_a_follow_up_waits_for_the_draft_to_be_submitted(sae, coordinator):
    with pytest.raises(ValidationError) as refused:
        sae_follow_up_start(report=sae, user=coordinator)

    assert refused.value.messages == [
        "The initial report is still a draft: complete and submit it first."
    ]


def test_pharmacovigilance_hears_of_each_submission(
    sae, coordinator, investigator, pharmacovigilance, signing_request
):
    complete(sae, coordinator)
    submit(sae, investigator, signing_request)
    sae_follow_up_start(report=sae, user=coordinator)
    submit(sae, investigator, signing_request)

    told = Notice.objects.filter(recipient=pharmacovigilance).order_by("pk")
    assert [n.kind for n in told] == [
        NoticeKind.SAE_SUBMITTED,
        NoticeKind.SAE_FOLLOW_UP_SUBMITTED,
    ]


def test_a_locked_patients_report_is_not_submitted(
    sae, coordinator, investigator, data_manager, signing_request
):
    complete(sae, coordinator)
    data_lock(user=data_manager, reason="Interim cut-off", patient=sae.patient)

    with pytest.raises(ValidationError) as refused:
        submit(sae, investigator, signing_request)

    assert "locked" in refused.value.messages[0]
    assert draft_of(sae).submitted_at is None
