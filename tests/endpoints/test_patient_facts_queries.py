"""The analysis dataset read from the records: one query per table, and the right OS rows.

`patient_facts(cutoff)` costs the same with 2 or 8 randomized patients, whatever their
records; the OS rows it leads to follow PROTOCOL.md (Time-to-event endpoints): a death is
the event; otherwise censored at the last date known alive on or before the cut-off, where a
patient lost to follow-up was last known alive on the date recorded with the loss.
Measured on 10 September 2025; patients randomized on 5 March 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

import protocol
from endpoints.datasets import PatientFacts, patient_facts, time_to_event_rows
from patients.models import Patient
from tests.factories import screen_patient
from tests.visits.builders import (
    RANDOMIZED_AT,
    at_noon_in_paris,
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import FollowUpVisit

MEASURED_ON = dt.date(2025, 9, 10)
CUTOFF = dt.date(2025, 9, 1)


@pytest.fixture
def in_september(frozen_today):
    with time_machine.travel(at_noon_in_paris(MEASURED_ON), tick=False):
        yield MEASURED_ON


def _visit_done(patient: Patient, user, month: int, on: dt.date, **values) -> FollowUpVisit:
    visit = FollowUpVisit.objects.get(patient=patient, month=month)
    return services.followup_visit_record(
        visit=visit,
        user=user,
        version=visit.version,
        values={"performed_on": on, "vital_status": protocol.VitalStatus.ALIVE, **values},
    )


def _with_full_history(site, user, number: int) -> Patient:
    """Randomized and treated, in CR, an adverse event, M3 done; some transplanted or dead."""
    patient = screen_patient(site=site, user=user)
    randomize(patient, user, at=RANDOMIZED_AT + dt.timedelta(minutes=number))
    record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_adverse_event(patient, user, dt.date(2025, 3, 8), resolved_on=dt.date(2025, 3, 20))
    record_response(patient, user, dt.date(2025, 3, 30))
    record_end_of_treatment(patient, user, dt.date(2025, 4, 30))
    if number % 2:
        services.transplant_record(
            patient=patient,
            user=user,
            values={
                "transplanted_on": dt.date(2025, 5, 20),
                "donor_type": protocol.DonorType.MATCHED_UNRELATED,
                "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
            },
        )
    relapsed = (
        protocol.FollowUpDiseaseStatus.RELAPSE
        if number % 3
        else (protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION)
    )
    _visit_done(patient, user, 3, dt.date(2025, 7, 28), disease_status=relapsed)
    if number % 4 == 0:
        services.off_study_record(
            patient=patient, user=user, values=death_values(dt.date(2025, 8, 25))
        )
    return patient


def _queries(cutoff: dt.date) -> tuple[list[PatientFacts], int]:
    with CaptureQueriesContext(connection) as queries:
        facts = patient_facts(cutoff)
    return facts, len(queries.captured_queries)


def test_it_reads_the_records_with_a_constant_number_of_queries(site_a, coordinator, in_september):
    for number in range(2):
        _with_full_history(site_a, coordinator, number)
    two_patients, queries_for_two = _queries(CUTOFF)
    for number in range(2, 8):
        _with_full_history(site_a, coordinator, number)
    eight_patients, queries_for_eight = _queries(CUTOFF)

    assert (len(two_patients), len(eight_patients)) == (2, 8)
    # One query per table: randomizations (with patient, site and screening values), cycles,
    # responses, transplants, ends of treatment, follow-up visits, adverse events, off study,
    # and the outcomes imported from the legacy system; the disease history, the patients'
    # screening read by the biology and the subgroups, biology and MRD (issue 13); the lab
    # course: cycles, blood counts, platelet transfusions, deaths (labs.selectors.lab_courses).
    assert queries_for_two == queries_for_eight == 18
    # ...and every record was read.
    assert all(
        max(f.contact_dates) == dt.date(2025, 7, 28)
        and len(f.assessments) == 1
        and f.end_of_treatment_on == dt.date(2025, 4, 30)
        for f in eight_patients
    )
    assert sum(1 for f in eight_patients if f.hsct_on) == 4
    assert sum(1 for f in eight_patients if f.relapse_dates) == 5
    assert sum(1 for f in eight_patients if f.death_on) == 2


def test_it_derives_os_from_a_death_a_censored_patient_and_a_patient_lost(
    site_a, coordinator, in_september
):
    patients = [screen_patient(site=site_a, user=coordinator) for _ in range(3)]
    for patient in patients:
        randomize(patient, coordinator)  # 5 March 2025
        record_cycle(patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    died, followed, lost = patients
    services.off_study_record(
        patient=died, user=coordinator, values=death_values(dt.date(2025, 4, 20))
    )
    for patient in (followed, lost):
        record_end_of_treatment(patient, coordinator, dt.date(2025, 3, 13))
    _visit_done(followed, coordinator, 3, dt.date(2025, 6, 10))
    # Seen alive after the cut-off: known alive at the cut-off, so censored there.
    _visit_done(followed, coordinator, 6, dt.date(2025, 9, 5))
    services.off_study_record(
        patient=lost,
        user=coordinator,
        values={
            "reason": protocol.OffStudyReason.LOST_TO_FOLLOW_UP,
            "event_on": dt.date(2025, 5, 15),
        },
    )

    rows = time_to_event_rows(patient_facts(CUTOFF), CUTOFF, ["OS"])

    assert {r.study_id: (r.end_on, r.days, r.event) for r in rows} == {
        died.study_id: (dt.date(2025, 4, 20), 46, 1),
        followed.study_id: (CUTOFF, (CUTOFF - dt.date(2025, 3, 5)).days, 0),
        lost.study_id: (dt.date(2025, 5, 15), 71, 0),
    }


def _more_records(patients: list[Patient], user) -> None:
    """Records the services would refuse in this order, but the tables may hold (a correction
    made with SQL, data of an earlier version): the reader applies the rules to whatever is
    there. Progressions, relapses at any timepoint, flow MRD before and after an HSCT, a
    withdrawal, assessments after the cut-off."""
    from visits.models import MrdAssessment, OffStudy, ResponseAssessment

    # Not the protocol evaluation: one per patient (the first assessment is it).
    timepoints = [
        protocol.ResponseTimepoint.LATER_CYCLE,
        protocol.ResponseTimepoint.FOLLOW_UP,
        protocol.ResponseTimepoint.UNSCHEDULED,
    ]
    categories = list(protocol.ResponseCategory.values)
    for i, patient in enumerate(patients):
        for k in range(3):
            ResponseAssessment.objects.create(
                patient=patient,
                assessed_on=dt.date(2025, 3, 20) + dt.timedelta(days=37 * k + 11 * i),
                timepoint=timepoints[(i + k) % len(timepoints)],
                category=categories[(3 * i + k) % len(categories)],
                created_by=user,
            )
        MrdAssessment.objects.create(
            patient=patient,
            assessed_on=dt.date(2025, 4, 1) + dt.timedelta(days=25 * i),
            timepoint=protocol.MrdTimepoint.values[0],
            method=protocol.MrdMethod.FLOW,
            result=protocol.MrdResult.BELOW_SENSITIVITY,
            negative=True,
            created_by=user,
        )
    left = patients[5]
    if not OffStudy.objects.filter(patient=left).exists():
        OffStudy.objects.create(
            patient=left,
            reason=protocol.OffStudyReason.CONSENT_WITHDRAWN,
            event_on=dt.date(2025, 6, 2),
            created_by=user,
        )


def test_it_reads_table_by_table_the_columns_the_rules_give(site_a, coordinator, in_september):
    """endpoints/cohort.py's statements give every patient the columns the functions of
    endpoints/datasets.py give from the facts, at cut-offs on every side of the records, and
    the worker's analysis of them equals the analysis of the facts."""
    import json

    import numpy as np

    from endpoints.analysis import analysis_compute, cohort_analysis
    from endpoints.cohort import _COLUMN_TYPES, Cohort, cohort_of, recorded_cohort

    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)
    for cutoff in (dt.date(2025, 3, 25), dt.date(2025, 5, 21), dt.date(2025, 6, 30), CUTOFF):
        with CaptureQueriesContext(connection) as queries:
            read = recorded_cohort(cutoff)
        # One COPY per clinical table, which the driver runs out of Django's sight: no
        # query per patient, nor any other.
        assert len(queries.captured_queries) == 0
        expected = Cohort.of_facts(patient_facts(cutoff), cutoff)
        assert len(read) == len(expected) == 8
        for column in _COLUMN_TYPES:
            assert getattr(read, column).tolist() == getattr(expected, column).tolist(), column
        for key, codes in expected.baseline.items():
            assert read.baseline[key].tolist() == codes.tolist(), key
    # The rules all had something to decide.
    assert (read.best_response < 7).sum() == 8 and read.mrd_negative.sum() >= 2
    assert (read.relapse_after_remission != np.iinfo(np.int32).max).sum() >= 2

    def dumped(results: dict) -> str:
        return json.dumps(results, sort_keys=True, default=str)

    facts = patient_facts(CUTOFF)
    assert dumped(cohort_analysis(cohort_of(CUTOFF), ["regimen"])) == dumped(
        analysis_compute(facts, CUTOFF, ["regimen"])
    )
