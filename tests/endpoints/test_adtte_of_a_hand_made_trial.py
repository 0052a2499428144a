"""ADTTE rows for a small hand-made trial are exactly the expected ones."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from rest_framework.test import APIClient

from randomization.services import patient_randomize
from tests.factories import screen_patient
from visits import services

RANDOMIZED = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)  # 5 March 2025, Paris and UTC


def _induction(patient, user, arm: str) -> None:
    dex = arm == "dex"
    services.cycle_record(
        patient=patient,
        user=user,
        values={
            "started_on": dt.date(2025, 3, 6),
            "ended_on": dt.date(2025, 3, 12),
            "amsacrine_mg_m2": Decimal("450"),
            "cytarabine_mg_m2": Decimal("3000"),
            "dexamethasone_given": dex,
            "dexamethasone_mg": Decimal("160") if dex else None,
        },
    )


def _response(patient, user, on: dt.date, category: str) -> None:
    remission = category in ("CR", "relapse")
    services.response_record(
        patient=patient,
        user=user,
        values={
            "assessed_on": on,
            "category": category,
            "marrow_blasts_pct": Decimal("2") if category == "CR" else Decimal("40"),
            "anc": Decimal("1.5") if remission else Decimal("0.2"),
            "platelets": Decimal("150") if remission else Decimal("20"),
            "circulating_blasts": category != "CR",
            "auer_rods": False,
            "extramedullary_disease": False,
            "transfusion_dependent": category != "CR",
        },
    )


def test_it_exports_exactly_the_expected_time_to_event_rows(
    site_a, coordinator, sponsor, frozen_today
):
    died, relapsed, refractory = (screen_patient(site=site_a, user=coordinator) for _ in range(3))
    arms = {}
    for patient in (died, relapsed, refractory):
        arms[patient.study_id] = patient_randomize(
            patient=patient, user=coordinator, regimen="intensive", randomized_at=RANDOMIZED
        ).arm
        _induction(patient, coordinator, arms[patient.study_id])
    # 03-001: CR on 2 April, died 20 May.
    _response(died, coordinator, dt.date(2025, 4, 2), "CR")
    services.off_study_record(
        patient=died,
        user=coordinator,
        values={"reason": "death", "event_on": dt.date(2025, 5, 20), "death_cause": "leukaemia"},
    )
    # 03-002: CR on 2 April, relapse on 15 May, alive (last contact: the relapse).
    _response(relapsed, coordinator, dt.date(2025, 4, 2), "CR")
    _response(relapsed, coordinator, dt.date(2025, 5, 15), "relapse")
    # 03-003: resistant at the end-of-induction evaluation (an EFS event at day 0), alive on
    # 10 April.
    _response(refractory, coordinator, dt.date(2025, 4, 10), "resistant")

    client = APIClient()
    client.force_authenticate(sponsor)
    response = client.get("/api/v1/exports/adtte.json?cutoff=2025-06-01")
    rows = json.loads(b"".join(response.streaming_content))["rows"]
    got = {
        (r["USUBJID"][-6:], r["PARAMCD"]): (
            r["AVAL"],
            r["CNSR"],
            r["STARTDT"],
            r["ADT"],
            r["EVNTDESC"],
        )
        for r in rows
    }

    assert got == {
        ("03-001", "OS"): (76, 0, "2025-03-05", "2025-05-20", "Death"),
        ("03-001", "EFS"): (76, 0, "2025-03-05", "2025-05-20", "Death"),
        ("03-001", "LFS"): (48, 0, "2025-04-02", "2025-05-20", "Death"),
        ("03-002", "OS"): (71, 1, "2025-03-05", "2025-05-15", "Censored: last known alive"),
        ("03-002", "EFS"): (71, 0, "2025-03-05", "2025-05-15", "Relapse"),
        ("03-002", "LFS"): (43, 0, "2025-04-02", "2025-05-15", "Relapse"),
        ("03-003", "OS"): (36, 1, "2025-03-05", "2025-04-10", "Censored: last known alive"),
        ("03-003", "EFS"): (
            0,
            0,
            "2025-03-05",
            "2025-03-05",
            "Induction failure: resistant at the end-of-induction evaluation",
        ),
    }


def test_it_exports_a_raw_table_as_text_rendered_by_the_database(
    site_a, coordinator, coordinator_b, statistician, frozen_today
):
    patient = screen_patient(site=site_a, user=coordinator)
    arm = patient_randomize(
        patient=patient, user=coordinator, regimen="intensive", randomized_at=RANDOMIZED
    ).arm
    _induction(patient, coordinator, arm)

    def csv_rows(user) -> list[str]:
        client = APIClient()
        client.force_authenticate(user)
        text = b"".join(client.get("/api/v1/exports/cycles.csv").streaming_content).decode()
        return [line for line in text.splitlines() if not line.startswith("#")]

    # The statistician's table: the dexamethasone columns, which tell the arm, are withheld
    # from blinded readers (tests/api/test_results_by_arm_stay_confidential.py).
    header, *rows = csv_rows(statistician)
    assert header == (
        "USUBJID,SITEID,NUMBER,PHASE,STARTED_ON,ENDED_ON,AMSACRINE_MG_M2,CYTARABINE_MG_M2,"
        "AZACITIDINE_MG_M2,DEXAMETHASONE_GIVEN,DEXAMETHASONE_MG,DELAY_DAYS,DOSE_REDUCED,"
        "MODIFICATION_NOTE,UPDATED_AT"
    )
    dex = "Y" if arm == "dex" else "N"
    dose = "160.00" if arm == "dex" else ""
    # An empty text is "" and a missing value nothing, as PostgreSQL's CSV tells them apart.
    assert rows == [
        f"NCT03765541-03-001,03,1,induction,2025-03-06,2025-03-12,450.00,3000.00,,{dex},{dose},0,N,"
        '"",2025-06-02T10:00:00.000000+00:00'
    ]
    assert csv_rows(coordinator_b)[1:] == []  # another site's coordinator: header only
