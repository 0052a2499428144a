"""A patient with one record of every kind the API lists, made through the real services.

Every date follows from the day of randomization, so two patients randomized a week apart
have every record a week apart: the date filters can then tell them apart on any list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import protocol
from accounts.models import Site, User
from medications.services import concomitant_medication_record
from patients.history_services import disease_history_record, prior_regimen_record
from patients.models import Patient
from protocol.prior_therapy import PriorRegimenName, PriorResponse
from tests.biology.builders import record_specimen
from tests.factories import screen_patient
from tests.labs.builders import record_count, record_transfusion
from tests.medications.builders import medication_values
from tests.visits.builders import (
    PARIS,
    contradicts_arm,
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import FollowUpVisit

# The month-3 follow-up visit is done as soon as its window opens, and the patient dies a few
# days later: one follow-up visit per patient (the schedule ends at the death).
VISIT_DONE_AFTER = dt.timedelta(days=86)
DIED_AFTER = dt.timedelta(days=88)


def patient_with_every_record(*, site: Site, user: User, randomized_on: dt.date) -> Patient:
    """Screen, randomize, treat, transplant and follow a patient up until death.

    The cycle departs from the arm, so the system records a protocol deviation too.
    """
    day = dt.timedelta(days=1)
    patient = screen_patient(
        site=site, user=user, consent_on=randomized_on - 2 * day, screened_on=randomized_on - day
    )
    randomization = randomize(
        patient,
        user,
        protocol.Regimen.INTENSIVE,
        at=dt.datetime.combine(randomized_on, dt.time(9), tzinfo=PARIS),
    )
    record_cycle(
        patient,
        user,
        randomized_on + day,
        randomized_on + 7 * day,
        **contradicts_arm(randomization),
    )
    record_adverse_event(patient, user, randomized_on + 5 * day)
    induction_on = randomized_on - 600 * day
    prior_regimen_record(
        patient=patient,
        user=user,
        values={
            "regimen": PriorRegimenName.SEVEN_PLUS_THREE,
            "started_on": induction_on,
            "ended_on": induction_on + 6 * day,
            "best_response": PriorResponse.CR,
        },
    )
    disease_history_record(
        patient=patient,
        user=user,
        values={
            "first_cr_on": induction_on + 30 * day,
            "first_relapse_on": randomized_on - 10 * day,
            "relapses": 1,
        },
    )
    record_count(patient, user, 1, randomized_on + 10 * day)
    record_transfusion(patient, user, 1, randomized_on + 10 * day)
    record_specimen(patient, user, collected_on=randomized_on - day)
    concomitant_medication_record(
        patient=patient,
        user=user,
        values=medication_values(
            started_on=randomized_on + day, stopped_on=randomized_on + 8 * day
        ),
    )
    record_end_of_treatment(patient, user, randomized_on + 8 * day)
    record_response(patient, user, randomized_on + 25 * day, protocol.ResponseCategory.CR)
    services.transplant_record(
        patient=patient,
        user=user,
        values={
            "transplanted_on": randomized_on + 41 * day,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
        },
    )
    services.mrd_record(
        patient=patient,
        user=user,
        values={
            "assessed_on": randomized_on + 25 * day,
            "timepoint": protocol.MrdTimepoint.AFTER_INDUCTION,
            "method": protocol.MrdMethod.FLOW,
            "sensitivity": Decimal("0.0001"),
            "result": protocol.MrdResult.BELOW_SENSITIVITY,
        },
    )
    services.transplant_event_record(
        patient=patient,
        user=user,
        values={
            "kind": protocol.TransplantEventKind.ACUTE_GVHD,
            "occurred_on": randomized_on + 60 * day,
            "acute_gvhd_grade": protocol.AcuteGvhdGrade.II,
        },
    )
    visit = FollowUpVisit.objects.get(patient=patient, month=3)
    services.followup_visit_record(
        visit=visit,
        user=user,
        version=visit.version,
        values={
            "performed_on": randomized_on + VISIT_DONE_AFTER,
            "vital_status": protocol.VitalStatus.ALIVE,
            "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
        },
    )
    services.off_study_record(
        patient=patient, user=user, values=death_values(randomized_on + DIED_AFTER)
    )
    return patient
