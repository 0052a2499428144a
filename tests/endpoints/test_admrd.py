"""ADMRD: one row per MRD assessment on or before the cut-off, with its study day from
randomization (day 1, no day 0), the assay, the value and the derived negativity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework.test import APIClient

import protocol
from endpoints.exports.admrd import study_day
from tests.visits.builders import randomize
from visits.services import mrd_record

COLUMNS = (
    "STUDYID,USUBJID,SITEID,TRT01P,ADT,ADY,AVISIT,AVISITCD,MRDMETH,MRDMETHO,MRDSENS,AVAL,AVALC,"
    "MRDNEG"
)


def test_the_study_day_counts_the_randomization_day_as_day_one():
    randomized_on = dt.date(2025, 3, 5)
    assert study_day(randomized_on, randomized_on) == 1
    assert study_day(dt.date(2025, 3, 6), randomized_on) == 2
    assert study_day(dt.date(2025, 3, 4), randomized_on) == -1


def _mrd(patient, user, on, **changes):
    values = {
        "assessed_on": on,
        "timepoint": protocol.MrdTimepoint.AFTER_INDUCTION,
        "method": protocol.MrdMethod.FLOW,
        "sensitivity": Decimal("0.0001"),
        "result": protocol.MrdResult.VALUE,
        "value": Decimal("0.0005"),
        **changes,
    }
    return mrd_record(patient=patient, user=user, values=values)


def _rows(user, cutoff: str) -> list[str]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/exports/admrd.csv?cutoff={cutoff}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_it_exports_each_assessment_up_to_the_cut_off(patient_a, coordinator, statistician):
    randomization = randomize(patient_a, coordinator)
    _mrd(patient_a, coordinator, dt.date(2025, 4, 2))
    _mrd(
        patient_a,
        coordinator,
        dt.date(2025, 5, 2),
        timepoint=protocol.MrdTimepoint.BEFORE_HSCT,
        result=protocol.MrdResult.BELOW_SENSITIVITY,
        value=None,
    )
    arm = {"dex": "DEX", "control": "CONTROL"}[randomization.arm]

    lines = _rows(statistician, "2025-05-01")

    assert lines[0] == COLUMNS
    assert lines[1:] == [
        f"{protocol.STUDY_ID},{protocol.STUDY_ID}-{patient_a.study_id},{patient_a.site.code},"
        f"{arm},2025-04-02,29,After induction (at the protocol evaluation),after_induction,"
        "flow,,0.0001,0.0005,0.0005,Y"
    ]
    assert _rows(statistician, "2025-05-02")[2].endswith(",0.0001,,NOT DETECTED,Y")


def test_a_blinded_reader_gets_it_without_the_arm(patient_a, coordinator, data_manager):
    randomize(patient_a, coordinator)
    _mrd(patient_a, coordinator, dt.date(2025, 4, 2))

    lines = _rows(data_manager, "2025-05-01")

    assert "TRT01P" not in lines[0].split(",")
    assert len(lines) == 2
