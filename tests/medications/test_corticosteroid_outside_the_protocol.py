"""Corticosteroids outside the protocol: what tells whether the control arm received
dexamethasone by another route.

The rule (medications/services.py): a corticosteroid by a systemic route (oral, IV, SC,
IM) for an indication the protocol does not allow (antiemetic premedication and a
transfusion reaction are allowed), taken on a day from the randomization to the end of
treatment. A control-arm patient's dexamethasone is then a major protocol deviation, opened
once; in either arm the corticosteroid is flagged for the data manager's review (a query
worded without the arm): in the DEX arm it is a second corticosteroid.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from medications import drugs
from medications.models import ConcomitantMedication
from medications.services import concomitant_medication_record, concomitant_medication_update
from review.checks import automatic_queries_refresh
from review.models import DataQuery
from tests.medications.builders import dexamethasone, medication_values
from visits.models import ProtocolDeviation

Kind = ProtocolDeviation.Kind
CHECK = "CORTICOSTEROID_OUTSIDE_PROTOCOL"


def _record(patient, user, values):
    return concomitant_medication_record(patient=patient, user=user, values=values)


def _correct(medication, user, values, reason="Source checked"):
    medication.refresh_from_db()
    return concomitant_medication_update(
        medication=medication, user=user, values=values, version=medication.version, reason=reason
    )


def test_dexamethasone_in_a_control_patient_opens_one_major_deviation(control, coordinator):
    saved = _record(control, coordinator, dexamethasone())

    deviation = ProtocolDeviation.objects.get(patient=control)
    assert (deviation.kind, deviation.severity, deviation.corrected_at) == (
        Kind.DEX_GIVEN_TO_CONTROL,
        "major",
        None,
    )
    assert deviation.description == (
        "Concomitant dexamethasone (oral, from 06/03/2025 to 09/03/2025; indication: other "
        "(describe)) during protocol treatment: the control arm receives no dexamethasone."
    )
    assert saved.record.deviation == deviation
    # The coordinator gives the drug and sees her patient's arm (open label): told at once.
    assert "control arm" in saved.warnings[0]


def test_a_correction_keeps_one_deviation_corrects_it_and_reopens_it(control, coordinator):
    medication = _record(control, coordinator, dexamethasone()).record

    _correct(medication, coordinator, {"stopped_on": dt.date(2025, 3, 12)})
    deviation = ProtocolDeviation.objects.get(patient=control)  # still one
    assert "to 12/03/2025" in deviation.description

    _correct(medication, coordinator, {"indication": drugs.Indication.ANTIEMETIC})
    deviation.refresh_from_db()
    assert deviation.corrected_at is not None

    _correct(medication, coordinator, {"indication": drugs.Indication.OTHER})
    assert ProtocolDeviation.objects.get(patient=control).corrected_at is None


@pytest.mark.parametrize(
    ("stopped_on", "deviation"),
    [(dt.date(2025, 3, 4), False), (dt.date(2025, 3, 5), True)],
    ids=["stopped the day before randomization", "still taken on the day of randomization"],
)
def test_a_corticosteroid_before_randomization_is_not_a_deviation(
    control, coordinator, stopped_on, deviation
):
    _record(
        control, coordinator, dexamethasone(started_on=dt.date(2025, 2, 20), stopped_on=stopped_on)
    )

    assert ProtocolDeviation.objects.filter(patient=control).exists() is deviation


@pytest.mark.parametrize(
    "values",
    [
        dexamethasone(indication=drugs.Indication.ANTIEMETIC, indication_detail=""),
        dexamethasone(indication=drugs.Indication.TRANSFUSION_REACTION, indication_detail=""),
        dexamethasone(route=drugs.Route.OPHTHALMIC),  # cytarabine conjunctivitis: eye drops
    ],
    ids=["antiemetic premedication", "transfusion reaction", "eye drops"],
)
def test_a_protocol_allowed_indication_or_a_local_route_is_not_a_deviation(
    control, coordinator, values
):
    saved = _record(control, coordinator, values)

    assert not ProtocolDeviation.objects.filter(patient=control).exists()
    assert saved.warnings == ()
    assert automatic_queries_refresh()["raised"] == 0


def test_after_the_end_of_treatment_it_is_not_a_deviation(control, coordinator):
    from visits.services import end_of_treatment_record

    end_of_treatment_record(
        patient=control,
        user=coordinator,
        values={"ended_on": dt.date(2025, 3, 10), "reason": "completed", "note": ""},
    )
    _record(control, coordinator, dexamethasone(started_on=dt.date(2025, 3, 11), stopped_on=None,
                                                ongoing=True))  # fmt: skip

    assert not ProtocolDeviation.objects.filter(patient=control).exists()


def test_in_the_dex_arm_a_second_corticosteroid_is_flagged_for_review(dex, coordinator):
    prednisone = medication_values(
        drug="prednisone",
        category=drugs.Category.CORTICOSTEROID,
        dose="60",
        indication=drugs.Indication.OTHER,
        indication_detail="Pneumonitis",
    )
    saved = _record(dex, coordinator, prednisone)

    assert not ProtocolDeviation.objects.filter(patient=dex).exists()
    assert saved.warnings[0].startswith("Second corticosteroid")
    assert automatic_queries_refresh() == {"raised": 1, "closed": 0}
    query = DataQuery.objects.get(check_code=CHECK)
    assert query.object_id == saved.record.pk


def test_the_review_query_does_not_tell_the_arm(by_arm, coordinator):
    """Raised in both arms with the same words: the query list, read by blinded roles, does
    not tell a DEX patient's prednisone from a control patient's."""
    for randomization in by_arm.values():
        _record(
            randomization.patient,
            coordinator,
            dexamethasone(drug="prednisone", indication_detail="Pneumonitis"),
        )

    automatic_queries_refresh()
    texts = {q.text for q in DataQuery.objects.filter(check_code=CHECK)}
    assert len(texts) == 1
    (text,) = texts
    assert not any(word in text.lower() for word in (" arm", "control", "dex "))


def test_a_blinded_reader_sees_the_deviation_without_its_direction(
    control, coordinator, data_manager
):
    _record(control, coordinator, dexamethasone())
    client = APIClient()
    client.force_authenticate(data_manager)

    (row,) = client.get("/api/v1/deviations/").json()["results"]

    assert (row["kind"], row["cycle"]) == ("dex_not_as_randomized", None)
    assert row["description"] == (
        "Dexamethasone not as randomized (which way is withheld while the trial is blinded)."
    )


def test_a_medication_is_listed_in_the_api_with_its_atc_code(control, coordinator, sponsor):
    _record(control, coordinator, medication_values())
    client = APIClient()
    client.force_authenticate(sponsor)

    (row,) = client.get("/api/v1/concomitant-medications/").json()["results"]

    assert (row["drug"], row["atc_code"], row["category"]) == (
        "posaconazole",
        "J02AC04",
        "anti_infective",
    )
    assert ConcomitantMedication.objects.count() == 1
