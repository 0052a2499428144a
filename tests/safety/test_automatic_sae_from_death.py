"""A death caused by an adverse event makes the event grade 5 and opens its SAE report
automatically (death ticked, outcome fatal); a report already submitted gets a follow-up
with the death instead, and a draft takes the death in."""

from __future__ import annotations

import datetime as dt

import protocol
from notices.models import Notice, NoticeKind
from protocol.safety import SaeOutcome
from safety.models import SaeReport
from tests.safety.conftest import ONSET_ON, complete, draft_of, submit
from tests.visits.builders import death_values, record_adverse_event
from visits.services import off_study_record, off_study_update

DIED_ON = dt.date(2025, 6, 1)


def _died_of(patient, user, event):
    return off_study_record(
        patient=patient,
        user=user,
        fatal_adverse_event=event,
        values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
    )


def test_a_death_from_a_non_serious_event_opens_the_sae_automatically(
    ic_patient, coordinator, investigator
):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON, serious=False, grade=3)
    assert not SaeReport.objects.exists()

    _died_of(ic_patient, coordinator, event)

    report = SaeReport.objects.get(adverse_event=event)
    assert report.opened_automatically
    initial = draft_of(report)
    assert initial.number == 0
    assert (initial.results_in_death, initial.outcome) == (True, SaeOutcome.FATAL)
    event.refresh_from_db()
    assert (event.grade, event.serious) == (protocol.FATAL_GRADE, True)
    assert Notice.objects.filter(kind=NoticeKind.SAE_OPENED, recipient=investigator).exists()


def test_a_death_from_an_event_whose_report_is_a_draft_goes_into_the_draft(sae, coordinator):
    _died_of(sae.patient, coordinator, sae.adverse_event)

    [initial] = sae.versions.all()
    assert (initial.results_in_death, initial.outcome) == (True, SaeOutcome.FATAL)
    sae.refresh_from_db()
    assert not sae.opened_automatically  # the site opened it, when it saved the event serious


def test_a_death_after_the_initial_report_opens_a_follow_up(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    initial = submit(sae, investigator, signing_request)

    _died_of(sae.patient, coordinator, sae.adverse_event)

    follow_up = draft_of(sae)
    assert (follow_up.number, follow_up.label) == (1, "follow-up 1")
    assert (follow_up.results_in_death, follow_up.outcome) == (True, SaeOutcome.FATAL)
    assert follow_up.narrative == initial.narrative  # copied, to be completed
    initial.refresh_from_db()
    assert (initial.results_in_death, initial.outcome) == (False, SaeOutcome.RECOVERING)


def test_a_grade_5_event_is_only_reached_through_the_death(ic_patient, coordinator):
    """Grade 5 is never typed (visits refuses it): the death's record is the only way in,
    so every grade 5 event has its SAE report opened by it."""
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON, serious=False)

    _died_of(ic_patient, coordinator, event)

    assert SaeReport.objects.get().adverse_event.grade == protocol.FATAL_GRADE


def test_a_death_attributed_on_correction_to_another_event_opens_that_events_sae(
    ic_patient, coordinator
):
    sepsis = record_adverse_event(ic_patient, coordinator, ONSET_ON, serious=False)
    bleed = record_adverse_event(
        ic_patient, coordinator, ONSET_ON, term="Intracranial hemorrhage", serious=False
    )
    off = _died_of(ic_patient, coordinator, sepsis)

    off_study_update(
        off_study=off,
        user=coordinator,
        version=off.version,
        values={},
        reason="Autopsy: intracranial bleed",
        fatal_adverse_event=bleed,
        previous_fatal_event_grade=4,
    )

    report = SaeReport.objects.get(adverse_event=bleed)
    assert report.opened_automatically
    assert draft_of(report).outcome == SaeOutcome.FATAL
