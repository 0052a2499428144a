"""Every adverse event saved as serious opens its SAE report, with a draft initial report, in
the transaction that saved the event; the 24-hour clock starts when it is saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from pghistory.models import Events

import protocol
from notices.models import Notice, NoticeKind
from protocol.safety import SaeCausality
from safety.models import SaeReport, SaeReportVersion
from tests.conftest import TODAY
from tests.safety.conftest import ONSET_ON
from tests.visits.builders import adverse_event_values, record_adverse_event
from visits.models import AdverseEvent
from visits.services import adverse_event_record, adverse_event_update


def test_a_serious_event_opens_its_report_with_a_draft_initial_report(ic_patient, coordinator):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON)

    report = SaeReport.objects.get(adverse_event=event)
    assert report.patient == ic_patient
    assert report.site_aware_at == TODAY
    assert report.initial_due_at == TODAY + dt.timedelta(hours=24)
    assert not report.opened_automatically
    assert report.sponsor_received_at is None
    [initial] = report.versions.all()
    assert (initial.number, initial.status) == (0, SaeReportVersion.Status.DRAFT)
    assert initial.label == "initial report"


def test_a_non_serious_event_opens_none(ic_patient, coordinator):
    record_adverse_event(ic_patient, coordinator, ONSET_ON, serious=False)

    assert not SaeReport.objects.exists()


def test_an_event_corrected_to_serious_opens_its_report(ic_patient, coordinator):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON, serious=False)

    adverse_event_update(
        event=event,
        user=coordinator,
        values={"serious": True},
        version=event.version,
        reason="Patient hospitalised",
    )

    assert SaeReport.objects.filter(adverse_event=event).count() == 1


def test_the_drugs_not_given_by_the_onset_are_prefilled_not_given(ic_patient, coordinator):
    """Intensive salvage: amsacrine and cytarabine given in cycle 1; azacitidine never."""
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON)

    initial = event.sae_report.versions.get()
    assert initial.azacitidine_causality == SaeCausality.NOT_GIVEN
    assert initial.amsacrine_causality == initial.cytarabine_causality == ""
    in_dex_arm = ic_patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    assert initial.dexamethasone_causality == ("" if in_dex_arm else SaeCausality.NOT_GIVEN)


def test_an_event_refused_opens_no_report(ic_patient, coordinator):
    values = adverse_event_values(ONSET_ON, ic_patient, grade=9)

    with pytest.raises(ValidationError):
        adverse_event_record(patient=ic_patient, user=coordinator, values=values)

    assert not AdverseEvent.objects.exists()
    assert not SaeReport.objects.exists()


def test_the_sites_investigators_and_coordinators_are_told(
    ic_patient, coordinator, investigator, coordinator_b
):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON)

    told = Notice.objects.filter(kind=NoticeKind.SAE_OPENED)
    assert {n.recipient for n in told} == {coordinator, investigator}
    assert {n.link for n in told} == {f"/safety/sae/{event.sae_report.pk}/"}
    assert {n.study_id for n in told} == {ic_patient.study_id}


def test_the_opening_is_in_the_audit_trail_with_its_author_and_reason(ic_patient, coordinator):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON)

    [opened] = Events.objects.tracks(event.sae_report)
    assert opened.pgh_label == "insert"
    assert opened.pgh_context["user"] == coordinator.pk
    assert opened.pgh_context["reason"] == "SAE opened"
    [drafted] = Events.objects.tracks(event.sae_report.versions.get())
    assert drafted.pgh_context["reason"] == "Initial report drafted"
