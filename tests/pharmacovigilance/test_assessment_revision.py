"""A revision of the sponsor's assessment says why; who, when and why are in the audit trail;
a colleague's revision is never overwritten; a follow-up report asks for a new look."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from pghistory.models import Events

from locks.services import data_lock
from notices.models import Notice, NoticeKind
from pharmacovigilance.classification import SponsorCausality
from pharmacovigilance.models import Susar
from pharmacovigilance.selectors import AssessmentStatus, sponsor_case_get_for
from pharmacovigilance.services import sae_assess
from protocol.safety import SaeCausality
from safety.models import SaeReportVersion
from safety.services import sae_draft_save, sae_follow_up_start, sae_submit
from tests.factories import PASSWORD
from tests.pharmacovigilance.conftest import opinions

UNRELATED = {
    "sponsor_causality": SponsorCausality.NOT_RELATED,
    "sponsor_disagreement": "Onset before the first dose.",
}


@pytest.fixture
def assessed(sae, pharmacovigilance):
    return sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))


def test_a_revision_without_a_reason_is_refused(sae, pharmacovigilance, assessed):
    with pytest.raises(ValidationError) as refused:
        sae_assess(
            report=sae,
            user=pharmacovigilance,
            opinions=opinions(sae),
            reason=" ",
            expected_version=assessed.version,
        )

    assert "reason" in refused.value.message_dict


def test_a_revision_is_audited_with_who_and_why(sae, pharmacovigilance, assessed):
    reason = "Investigator's follow-up call: onset before the first dose."
    expectedness = {"expectedness": "expected", "expectedness_override": "Class effect."}

    sae_assess(
        report=sae,
        user=pharmacovigilance,
        opinions=opinions(sae, amsacrine=expectedness, cytarabine=expectedness),
        reason=reason,
        expected_version=assessed.version,
    )

    assessment_events = Events.objects.tracks(assessed).order_by("pgh_created_at")
    assert [e.pgh_context["reason"] for e in assessment_events][-1] == reason
    assert assessment_events.last().pgh_context["user"] == pharmacovigilance.pk
    cytarabine = assessed.drugs.get(drug="cytarabine")
    revised = Events.objects.tracks(cytarabine).order_by("pgh_created_at").last()
    assert revised.pgh_data["expectedness"] == "expected"
    assert revised.pgh_context["reason"] == reason


def test_a_revision_needs_the_version_it_revises(sae, pharmacovigilance, assessed):
    with pytest.raises(ValidationError) as refused:
        sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae), reason="Why")

    assert "version" in refused.value.message_dict


def test_a_stale_revision_is_refused(sae, pharmacovigilance, assessed):
    sae_assess(
        report=sae,
        user=pharmacovigilance,
        opinions=opinions(sae),
        comment="Reviewed with the medical monitor.",
        reason="Comment added",
        expected_version=assessed.version,
    )

    with pytest.raises(ValidationError) as refused:
        sae_assess(
            report=sae,
            user=pharmacovigilance,
            opinions=opinions(sae),
            reason="My revision, from the page I opened before",
            expected_version=assessed.version,
        )

    assert "version" in refused.value.message_dict


def test_a_revision_that_no_longer_finds_a_susar_withdraws_it_and_keeps_it(
    ic_patient, coordinator, investigator, pharmacovigilance
):
    from tests.pharmacovigilance.conftest import submit_sae

    report = submit_sae(ic_patient, coordinator, investigator, causality=SaeCausality.UNLIKELY)
    assessed = sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))
    susar = Susar.objects.get(assessment=assessed)

    sae_assess(
        report=report,
        user=pharmacovigilance,
        opinions=opinions(report, causality=SponsorCausality.NOT_RELATED),
        reason="Alternative cause confirmed: CMV pneumonitis.",
        expected_version=assessed.version,
    )

    susar.refresh_from_db()
    assert susar.withdrawn_at is not None
    assert Susar.objects.count() == 1


def test_every_assessment_tells_pharmacovigilance_and_the_sites_investigators(
    sae, pharmacovigilance, investigator, assessed
):
    notices = Notice.objects.filter(kind=NoticeKind.ASSESSMENT_CHANGED)
    assert {n.recipient for n in notices} == {pharmacovigilance, investigator}
    assert {n.kind for n in Notice.objects.filter(recipient=pharmacovigilance)} >= {
        NoticeKind.SUSAR_CLASSIFIED
    }


def test_a_follow_up_report_asks_for_a_new_assessment(
    sae, pharmacovigilance, investigator, assessed
):
    with time_machine.travel(dt.datetime(2025, 6, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        draft = sae_follow_up_start(report=sae, user=investigator)
        draft = sae_draft_save(
            draft=draft,
            user=investigator,
            values={"results_in_death": True, "outcome": "fatal"},
            version=draft.version,
        )
        sae_submit(
            draft=draft,
            user=investigator,
            password=PASSWORD,
            version=draft.version,
            request=RequestFactory().post("/"),
        )
        case = sponsor_case_get_for(pharmacovigilance, sae.pk)
        assert case.status is AssessmentStatus.TO_REASSESS

        sae_assess(
            report=sae,
            user=pharmacovigilance,
            opinions=opinions(sae),
            reason="Follow-up 1: the patient died.",
            expected_version=assessed.version,
        )

    case = sponsor_case_get_for(pharmacovigilance, sae.pk)
    assert case.status is AssessmentStatus.ASSESSED
    assert case.assessment is not None and case.assessment.assessed_version == 1
    # Now fatal: the 7-day clock from the sponsor's first knowledge (2 June), follow-up day 15.
    assert case.susar is not None
    assert [(d.day, d.due_on) for d in case.susar.deadlines] == [
        (7, dt.date(2025, 6, 9)),
        (15, dt.date(2025, 6, 17)),
    ]
    assert SaeReportVersion.objects.filter(report=sae).count() == 2


def test_a_locked_patients_case_cannot_be_assessed(sae, pharmacovigilance, data_manager):
    data_lock(user=data_manager, reason="Interim analysis cut-off", patient=sae.patient)

    with pytest.raises(ValidationError) as refused:
        sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    assert "locked" in str(refused.value)
