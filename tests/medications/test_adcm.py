"""ADCM: one row per concomitant medication, days from randomization, and its flags.

Randomization is day 1 and the day before day -1 (no day 0); a stop after the cut-off is not
known at the cut-off (ongoing then); ONTRTFL, CORTFL and DEVFL are the services' rules; DEVFL
tells the arm and is withheld from blinded readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from medications.selectors import study_day
from medications.services import concomitant_medication_record
from tests.medications.builders import RANDOMIZED_ON, dexamethasone, medication_values


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2025, 3, 4), -1), (RANDOMIZED_ON, 1), (dt.date(2025, 3, 6), 2)],
)
def test_study_days_count_from_randomization_as_day_1_with_no_day_0(day, expected):
    assert study_day(day, RANDOMIZED_ON) == expected


def _adcm(user, cutoff: str) -> list[dict[str, str]]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/exports/adcm.csv?cutoff={cutoff}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_adcm_carries_codes_days_and_flags(control, coordinator, statistician):
    for values in (
        medication_values(started_on=dt.date(2025, 2, 20), stopped_on=dt.date(2025, 3, 20)),
        dexamethasone(),
    ):
        concomitant_medication_record(patient=control, user=coordinator, values=values)

    prophylaxis, steroid = _adcm(statistician, "2025-03-15")

    assert (prophylaxis["CMATC"], prophylaxis["CMCAT"]) == ("J02AC04", "anti_infective")
    # Started before randomization, stopped after the cut-off: ongoing at the cut-off.
    assert (prophylaxis["ASTDY"], prophylaxis["AENDT"], prophylaxis["AENDY"]) == ("-13", "", "")
    assert (prophylaxis["ONTRTFL"], prophylaxis["CORTFL"], prophylaxis["DEVFL"]) == ("Y", "N", "N")
    assert (steroid["CMATC"], steroid["ASTDY"], steroid["AENDY"]) == ("H02AB02", "2", "5")
    assert (steroid["ONTRTFL"], steroid["CORTFL"], steroid["DEVFL"]) == ("Y", "Y", "Y")


def test_a_medication_started_after_the_cut_off_is_not_in_it(control, coordinator, statistician):
    concomitant_medication_record(patient=control, user=coordinator, values=dexamethasone())

    assert _adcm(statistician, "2025-03-05") == []


def test_devfl_tells_the_arm_and_is_withheld_from_blinded_readers(
    control, coordinator, data_manager
):
    concomitant_medication_record(patient=control, user=coordinator, values=dexamethasone())

    (row,) = _adcm(data_manager, "2025-06-01")

    assert "DEVFL" not in row
    assert row["CORTFL"] == "Y"
