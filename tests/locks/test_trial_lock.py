"""The trial-wide lock: at the end of the study the data manager locks the whole trial, and
every entry is refused until an audited unlock; the final analysis says it ran on locked data.

Every writer asks `locks` before it writes (ensure_unlocked for a patient's records,
ensure_site_unlocked for a new patient); the trial's lock answers for every patient and
site, so each way in below is refused with the same message and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

import protocol
from endpoints.models import AnalysisRun
from endpoints.services import analysis_results, analysis_run_execute, analysis_run_request
from locks.models import DataLock
from locks.selectors import locked_patient_share
from locks.services import DataLocked, data_lock, data_unlock
from patients.history_services import prior_regimen_record
from patients.services import screening_update
from randomization.services import patient_randomize
from tests.factories import screen_patient
from tests.visits.builders import (
    adverse_event_values,
    randomize,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
)
from visits import services
from visits.models import AdverseEvent, FollowUpVisit, OffStudy, TreatmentCycle
from visits.records import RECORD_KINDS
from visits.services.end_of_study import end_of_study_close_out

REASON = "End of study: database lock before the final analysis"
TRIAL_LOCKED = (
    f"The data of the whole trial {protocol.STUDY_ID} are locked since 02/06/2025 ({REASON}): "
    "nothing can change until a data manager unlocks them, with a reason."
)


@pytest.fixture
def followed(ic_patient, coordinator):
    """ic_patient (randomized 5 March 2025): a cycle in March, treatment ended 15 May 2025."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 5, 15))
    return ic_patient


@pytest.fixture
def trial_locked(followed, data_manager):
    return data_lock(user=data_manager, reason=REASON, whole_trial=True)


def _refused(write) -> list[str]:
    with pytest.raises(DataLocked) as refused:
        write()
    return refused.value.messages


@pytest.mark.parametrize("kind", sorted(RECORD_KINDS))
def test_no_record_of_any_kind_can_be_entered(followed, coordinator, trial_locked, kind):
    written_before = RECORD_KINDS[kind].model._default_manager.count()

    messages = _refused(
        lambda: RECORD_KINDS[kind].record(patient=followed, user=coordinator, values={})
    )

    assert messages == [TRIAL_LOCKED]
    assert RECORD_KINDS[kind].model._default_manager.count() == written_before


def test_no_record_can_be_corrected_and_no_visit_done_or_missed(
    followed, coordinator, trial_locked
):
    cycle = TreatmentCycle.objects.get(patient=followed)
    m3 = FollowUpVisit.objects.get(patient=followed, month=3)
    writes = [
        lambda: services.cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"ended_on": dt.date(2025, 3, 13)},
            version=cycle.version,
            reason="Date mistyped",
        ),
        lambda: services.followup_visit_record(
            visit=m3,
            user=coordinator,
            version=m3.version,
            values={"performed_on": dt.date(2025, 8, 15)},
        ),
        lambda: services.followup_visit_miss(
            visit=m3, user=coordinator, missed_reason="Not reached", version=m3.version
        ),
        lambda: screening_update(
            patient=followed,
            user=coordinator,
            reason="Typo",
            changes={"year_of_birth": 1961},
            version=followed.screening.version,
        ),
        lambda: prior_regimen_record(patient=followed, user=coordinator, values={}),
    ]

    for write in writes:
        assert _refused(write) == [TRIAL_LOCKED]
    assert TreatmentCycle.objects.get(pk=cycle.pk).version == 1
    assert FollowUpVisit.objects.get(pk=m3.pk).version == m3.version


def test_no_patient_can_be_screened_or_randomized(
    followed, site_a, site_b, coordinator, coordinator_b, data_manager
):
    waiting = screen_patient(site=site_b, user=coordinator_b)
    data_lock(user=data_manager, reason=REASON, whole_trial=True)

    assert _refused(lambda: screen_patient(site=site_a, user=coordinator)) == [TRIAL_LOCKED]
    assert _refused(
        lambda: patient_randomize(
            patient=waiting, user=coordinator_b, regimen=protocol.Regimen.INTENSIVE
        )
    ) == [TRIAL_LOCKED]


def test_the_api_answers_400_with_the_lock(followed, coordinator, trial_locked):
    client = APIClient()
    client.force_authenticate(coordinator)

    values = adverse_event_values(dt.date(2025, 5, 20), followed, serious=False)
    values["onset_on"] = "2025-05-20"

    response = client.post(
        f"/api/v1/patients/{followed.study_id}/adverse-events/", values, format="json"
    )

    assert response.status_code == 400
    assert TRIAL_LOCKED in json.dumps(response.json())
    assert not AdverseEvent.objects.exists()


def test_the_end_of_study_close_out_leaves_everyone_to_the_data_manager(followed, trial_locked):
    done = end_of_study_close_out(today=dt.date(2030, 3, 5))

    assert done.locked == [followed]
    assert not OffStudy.objects.exists()


def test_the_trial_is_locked_once_and_unlocked_with_a_reason(followed, coordinator, data_manager):
    lock = data_lock(user=data_manager, reason=REASON, whole_trial=True)
    with pytest.raises(ValidationError, match="already locked"):
        data_lock(user=data_manager, reason="Again", whole_trial=True)
    assert str(lock) == f"Lock of the whole trial {protocol.STUDY_ID}"

    data_unlock(user=data_manager, lock=lock, reason="Query on a death date to correct")

    record_adverse_event(followed, coordinator, dt.date(2025, 5, 20), serious=False)
    assert DataLock.objects.filter(unlocked_at__isnull=True).count() == 0


def test_the_final_analysis_records_that_it_ran_on_the_locked_trial(
    followed, patient_b, coordinator_b, data_manager, frozen_today
):
    randomize(patient_b, coordinator_b)
    _facts, before = analysis_results(cutoff=frozen_today, strata_factors=["regimen"])
    computed = analysis_run_request(cutoff=frozen_today, strata_factors=["regimen"])
    analysis_run_execute(run_id=computed.pk)
    data_lock(user=data_manager, reason=REASON, whole_trial=True)
    _facts, after = analysis_results(cutoff=frozen_today, strata_factors=["regimen"])
    # The lock is a write: the worker computes the run after it afresh, with the lock in it.
    final = analysis_run_request(cutoff=frozen_today, strata_factors=["regimen"])
    final = analysis_run_execute(run_id=final.pk)
    out = io.StringIO()
    call_command("analyze", "--cutoff", str(frozen_today), "--format", "json", stdout=out)

    assert before["data_locks"]["trial_locked"] is False
    assert after["data_locks"] | {"trial_locked_at": None} == {
        "locked": 2, "randomized": 2, "trial_locked": True, "trial_locked_at": None,
    }  # fmt: skip
    assert locked_patient_share() == {"locked": 2, "randomized": 2}
    assert final.served_from_id is None
    assert final.fingerprint != AnalysisRun.objects.get(pk=computed.pk).fingerprint
    assert final.results["data_locks"]["trial_locked"] is True
    assert json.loads(out.getvalue())["analysis.data_locks.trial_locked"] is True


def test_the_data_manager_locks_the_trial_on_the_locks_page(client, followed, data_manager):
    client.force_login(data_manager)

    response = client.post("/review/locks/", {"whole_trial": "1", "reason": REASON}, follow=True)

    page = response.content.decode()
    assert "The whole trial is locked." in page
    assert f"<strong>The whole trial {protocol.STUDY_ID}</strong>" in page
    assert DataLock.objects.get().trial == protocol.STUDY_ID
