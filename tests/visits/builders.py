"""Builders for the records of a randomized patient, so each test states only what matters.

Every record is made through the real services: a test patient's history has passed the
same edit checks as a coordinator's entry. Doses and dexamethasone follow the patient's
regimen and arm unless a test overrides them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import protocol
from accounts.models import User
from patients.models import Patient
from randomization.models import Randomization
from randomization.services import patient_randomize
from visits import services
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

PARIS = ZoneInfo("Europe/Paris")
# patient_a is screened on 4 March 2025 and randomized the next morning.
RANDOMIZED_AT = dt.datetime(2025, 3, 5, 9, 0, tzinfo=PARIS)
RANDOMIZED_ON = RANDOMIZED_AT.date()


def at_noon_in_paris(day: dt.date) -> dt.datetime:
    """Return an aware moment on `day` in the trial's time zone, to travel to."""
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=PARIS)


def randomize(
    patient: Patient,
    user: User,
    regimen: str = protocol.Regimen.INTENSIVE,
    at: dt.datetime = RANDOMIZED_AT,
) -> Randomization:
    return patient_randomize(patient=patient, user=user, regimen=regimen, randomized_at=at)


def follows_arm(randomization: Randomization) -> dict[str, Any]:
    """Return the dexamethasone fields that follow the patient's arm (no deviation)."""
    if randomization.arm == protocol.DEXAMETHASONE_ARM:
        return {"dexamethasone_given": True, "dexamethasone_mg": Decimal("160")}
    return {"dexamethasone_given": False, "dexamethasone_mg": None}


def contradicts_arm(randomization: Randomization) -> dict[str, Any]:
    """Return the dexamethasone fields that depart from the patient's arm (a deviation)."""
    if randomization.arm == protocol.DEXAMETHASONE_ARM:
        return {"dexamethasone_given": False, "dexamethasone_mg": None}
    return {"dexamethasone_given": True, "dexamethasone_mg": Decimal("160")}


def cycle_values(
    randomization: Randomization,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Return a complete, valid cycle of the patient's regimen, changed by `overrides`."""
    intensive = randomization.regimen == protocol.Regimen.INTENSIVE
    values: dict[str, Any] = {
        "started_on": started_on,
        "ended_on": ended_on,
        "amsacrine_mg_m2": Decimal("450") if intensive else None,
        "cytarabine_mg_m2": Decimal("3000") if intensive else None,
        "azacitidine_mg_m2": None if intensive else Decimal("525"),
        **follows_arm(randomization),
        "delay_days": 0,
        "dose_reduced": False,
        "modification_note": "",
    }
    values.update(overrides)
    return values


def record_cycle(
    patient: Patient,
    user: User,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    **overrides: Any,
) -> TreatmentCycle:
    randomization = Randomization.objects.get(patient=patient)
    return services.cycle_record(
        patient=patient,
        user=user,
        values=cycle_values(randomization, started_on, ended_on, **overrides),
    ).record


def response_values(
    assessed_on: dt.date, category: str = protocol.ResponseCategory.CR, **overrides: Any
) -> dict[str, Any]:
    """Return an assessment with recovered counts and < 5% marrow blasts (a CR's values)."""
    values: dict[str, Any] = {
        "assessed_on": assessed_on,
        "category": category,
        "marrow_blasts_pct": Decimal("2.0"),
        "anc": Decimal("1.8"),
        "platelets": Decimal("160"),
        "circulating_blasts": False,
        "auer_rods": False,
        "extramedullary_disease": False,
        "transfusion_dependent": False,
        "mrd_negative": None,
    }
    values.update(overrides)
    return values


def record_response(
    patient: Patient,
    user: User,
    assessed_on: dt.date,
    category: str = protocol.ResponseCategory.CR,
    **overrides: Any,
) -> ResponseAssessment:
    return services.response_record(
        patient=patient, user=user, values=response_values(assessed_on, category, **overrides)
    )


def dexamethasone_relatedness(patient: Patient, onset_on: dt.date) -> str:
    """Return a relatedness to dexamethasone the rules accept for the patient: judged
    ("possible") in the dexamethasone arm or after a dose, else "not applicable"."""
    exposed = patient.cycles.filter(dexamethasone_given=True, started_on__lte=onset_on).exists()
    if patient.randomization.arm == protocol.DEXAMETHASONE_ARM or exposed:
        return protocol.Relatedness.POSSIBLE
    return protocol.Relatedness.NOT_APPLICABLE


def adverse_event_values(
    onset_on: dt.date, patient: Patient | None = None, **overrides: Any
) -> dict[str, Any]:
    """Return a grade 3 serious sepsis; its relatedness to dexamethasone follows the
    patient's arm and doses when the patient is given ("possible" otherwise)."""
    values: dict[str, Any] = {
        "term": "Sepsis",
        "term_specified": "",
        "grade": 3,
        "serious": True,
        "onset_on": onset_on,
        "resolved_on": None,
        "related_to_dexamethasone": (
            dexamethasone_relatedness(patient, onset_on)
            if patient is not None
            else protocol.Relatedness.POSSIBLE
        ),
        "related_to_salvage": protocol.Relatedness.PROBABLE,
        "action_taken": protocol.ActionTaken.DELAYED,
    }
    values.update(overrides)
    return values


def record_adverse_event(
    patient: Patient, user: User, onset_on: dt.date, **overrides: Any
) -> AdverseEvent:
    return services.adverse_event_record(
        patient=patient, user=user, values=adverse_event_values(onset_on, patient, **overrides)
    )


def record_end_of_treatment(
    patient: Patient,
    user: User,
    ended_on: dt.date,
    reason: str = protocol.EndOfTreatmentReason.COMPLETED,
) -> EndOfTreatment:
    return services.end_of_treatment_record(
        patient=patient, user=user, values={"ended_on": ended_on, "reason": reason}
    )


def record_transplant(
    patient: Patient, user: User, transplanted_on: dt.date, **overrides: Any
) -> Transplant:
    """Record an allo-HSCT from a matched unrelated donor after reduced-intensity conditioning."""
    return services.transplant_record(
        patient=patient,
        user=user,
        values={
            "transplanted_on": transplanted_on,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
            **overrides,
        },
    )


def treated_patient(
    patient: Patient,
    user: User,
    *,
    cycle_started_on: dt.date,
    cycle_ended_on: dt.date,
    ended_treatment_on: dt.date,
    regimen: str = protocol.Regimen.INTENSIVE,
    randomized_at: dt.datetime = RANDOMIZED_AT,
) -> Patient:
    """Randomize, give one cycle and end treatment: the follow-up schedule is then built."""
    randomize(patient, user, regimen, at=randomized_at)
    record_cycle(patient, user, cycle_started_on, cycle_ended_on)
    record_end_of_treatment(patient, user, ended_treatment_on)
    return patient


def death_values(
    died_on: dt.date, cause: str = protocol.DeathCause.LEUKAEMIA, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "reason": protocol.OffStudyReason.DEATH,
        "event_on": died_on,
        "death_cause": cause,
        "data_use": "",
        "note": "",
    }
    values.update(overrides)
    return values
