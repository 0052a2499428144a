"""The end of study: 5 years after the first randomization, every patient still followed
leaves the study, "End of study reached", through the daily close-out.

patient_a, randomized on 5 March 2025, is the trial's first: the study ends on 5 March 2030.
Treatment ended on 15 May 2025, so the visits run from M3 to M54 (15 November 2029, window to
15 December 2029); M60 would fall on 15 May 2030, after the end of study, and is never planned.
The close-out dates the record the last day the records show the patient alive (OS is
censored there), writes as the system's own account, and is audited with its reason.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from pghistory.models import Events

import protocol
from endpoints.datasets import overall_survival, patient_facts
from locks.services import data_lock
from tests.visits.builders import at_noon_in_paris, randomize, treated_patient
from trialsite.celery import app
from visits.models import FollowUpVisit, OffStudy
from visits.services import followup_schedule_build, followup_visit_record, off_study_record
from visits.services.end_of_study import REASON, SYSTEM_USERNAME, TASK, end_of_study_close_out
from visits.tasks import end_of_study_close_out_task

END_OF_STUDY = dt.date(2030, 3, 5)
DAY_BEFORE, DAY_AFTER = END_OF_STUDY - dt.timedelta(days=1), END_OF_STUDY + dt.timedelta(days=1)
M54_DONE_ON = dt.date(2029, 11, 15)


@pytest.fixture
def followed(patient_a, coordinator):
    return treated_patient(
        patient_a,
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 5, 15),
    )


@pytest.fixture
def withdrawn(patient_b, coordinator_b):
    """patient_b, randomized on 5 March 2025 too, who withdrew consent in April 2025."""
    randomize(patient_b, coordinator_b)
    off_study_record(
        patient=patient_b,
        user=coordinator_b,
        values={
            "reason": protocol.OffStudyReason.CONSENT_WITHDRAWN,
            "event_on": dt.date(2025, 4, 20),
            "data_use": protocol.WithdrawnDataUse.UNTIL_WITHDRAWAL,
        },
    )
    return patient_b


def _on(day: dt.date):
    return time_machine.travel(at_noon_in_paris(day), tick=False)


def _m54_done(patient, user) -> None:
    m54 = FollowUpVisit.objects.get(patient=patient, month=54)
    with _on(dt.date(2029, 11, 20)):
        followup_visit_record(
            visit=m54,
            user=user,
            version=m54.version,
            values={
                "performed_on": M54_DONE_ON,
                "vital_status": protocol.VitalStatus.ALIVE,
                "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
            },
        )


def test_the_day_before_the_end_of_study_nobody_is_closed_out(followed):
    with _on(DAY_BEFORE):
        done = end_of_study_close_out()

    assert done.end_of_study_on == END_OF_STUDY
    assert done.closed == []
    assert not OffStudy.objects.exists()


@pytest.mark.parametrize("day", [END_OF_STUDY, DAY_AFTER])
def test_from_the_end_of_study_every_patient_still_followed_leaves_dated_last_known_alive(
    followed, withdrawn, coordinator, day
):
    _m54_done(followed, coordinator)

    with _on(day):
        done = end_of_study_close_out()

    [off] = done.closed
    assert (off.patient, off.reason, off.event_on) == (
        followed,
        protocol.OffStudyReason.END_OF_STUDY,
        M54_DONE_ON,  # the last visit, not the end of study: nobody saw the patient since
    )
    assert off.get_reason_display() == "End of study reached"
    assert off.created_by.username == SYSTEM_USERNAME
    assert not off.created_by.is_active and not off.created_by.has_usable_password()
    # The withdrawal stays as it was.
    assert (
        OffStudy.objects.get(patient=withdrawn).reason == protocol.OffStudyReason.CONSENT_WITHDRAWN
    )


def test_without_a_visit_done_the_last_known_alive_is_the_latest_record(followed):
    with _on(END_OF_STUDY):
        [off] = end_of_study_close_out().closed

    assert off.event_on == dt.date(2025, 5, 15)  # the end of treatment


def test_the_close_out_is_in_the_audit_trail_with_the_task_and_its_reason(followed):
    with _on(END_OF_STUDY):
        [off] = end_of_study_close_out().closed

    [inserted] = Events.objects.tracks(off)
    assert inserted.pgh_label == "insert"
    assert inserted.pgh_context["system"] == TASK
    assert inserted.pgh_context["reason"] == REASON
    assert inserted.pgh_context["user"] == off.created_by_id


def test_running_it_twice_closes_nobody_twice(followed):
    with _on(END_OF_STUDY):
        first = end_of_study_close_out()
    with _on(DAY_AFTER):
        second = end_of_study_close_out()

    assert len(first.closed) == 1
    assert second.closed == []
    assert OffStudy.objects.count() == 1
    assert len(Events.objects.tracks(first.closed[0])) == 1


def test_no_visit_is_planned_after_the_end_of_study_and_those_owed_before_stay(
    followed, coordinator
):
    with _on(DAY_AFTER):
        end_of_study_close_out()
        followup_schedule_build(followed)  # rebuilt later: still nothing after the end

    months = [v.month for v in FollowUpVisit.objects.filter(patient=followed).order_by("month")]
    # Dated the end of treatment (nobody saw the patient since), yet the visits whose window
    # closed before the end of study stay owed, to be done or marked missed; M60 never exists.
    assert months == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54]
    assert not FollowUpVisit.objects.filter(target_on__gt=END_OF_STUDY).exists()


def test_os_is_censored_at_the_last_day_known_alive(followed, coordinator):
    _m54_done(followed, coordinator)
    with _on(END_OF_STUDY):
        end_of_study_close_out()

    (facts,) = patient_facts(END_OF_STUDY)
    os_row = overall_survival(facts, END_OF_STUDY)

    assert (os_row.end_on, os_row.event) == (M54_DONE_ON, 0)


def test_a_patient_whose_data_are_locked_is_left_for_the_data_manager(followed, data_manager):
    data_lock(user=data_manager, patient=followed, reason="Query on the last visit")

    with _on(END_OF_STUDY):
        done = end_of_study_close_out()

    assert done.closed == []
    assert done.locked == [followed]
    assert not OffStudy.objects.exists()


def test_the_command_and_the_daily_task_run_the_same_close_out(followed, withdrawn):
    assert settings.CELERY_BEAT_SCHEDULE["visits-end-of-study-close-out"]["task"] == TASK
    assert TASK in app.tasks  # the worker finds it (autodiscovered from visits.tasks)
    out = io.StringIO()
    with _on(DAY_BEFORE):
        call_command("end_of_study_close_out", stdout=out)
        assert end_of_study_close_out_task.apply().get() == 0
    assert "The study ends on 05/03/2030: nobody is closed out before." in out.getvalue()

    with _on(END_OF_STUDY):
        call_command("end_of_study_close_out", stdout=out)
        assert end_of_study_close_out_task.apply().get() == 0  # already done
    assert "End of study 05/03/2030: 1 patient(s) closed out." in out.getvalue()
    assert f"{followed.study_id}: last known alive 15/05/2025" in out.getvalue()
