"""Prior regimens and the disease history, entered at screening and corrected with a reason.

patient_a (site 03) was diagnosed on 12 June 2023, screened on 4 March 2025 in first
relapse (documented 20 February 2025) after one prior line, no prior allo-HSCT. Each save
derives the disease status, CR1 duration and lines of therapy again; a derived status or
line count that disagrees with the screening is not refused (the history is often entered
after the screening): the automatic checks raise a query, which closes once corrected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

import protocol
from audit.records import ReasonRequired, VersionConflict
from patients.history_services import (
    disease_history_record,
    disease_history_update,
    prior_regimen_record,
    prior_regimen_update,
)
from patients.models import DiseaseHistory
from protocol.prior_therapy import PriorRegimenName, PriorResponse
from review.checks import automatic_queries_refresh
from review.models import DataQuery
from tests.visits.builders import randomize

SEVEN_PLUS_THREE = {
    "regimen": PriorRegimenName.SEVEN_PLUS_THREE,
    "started_on": dt.date(2023, 6, 20),
    "ended_on": dt.date(2023, 6, 27),
    "best_response": PriorResponse.CR,
}
HISTORY = {
    "first_cr_on": dt.date(2023, 7, 25),
    "first_relapse_on": dt.date(2025, 2, 20),
    "relapses": 1,
}


def _errors(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_a_regimen_and_the_history_derive_the_status_the_screening_gives(patient_a, coordinator):
    regimen = prior_regimen_record(patient=patient_a, user=coordinator, values=SEVEN_PLUS_THREE)
    history = disease_history_record(patient=patient_a, user=coordinator, values=HISTORY)

    assert regimen.cytarabine_containing is True  # 7+3: derived from the regimen
    assert history.disease_status_derived == protocol.DiseaseStatus.FIRST_RELAPSE
    assert (history.cr1_days, history.relapse_timing) == (576, "late")
    assert (history.prior_lines_counted, history.prior_cytarabine) == (1, True)
    assert automatic_queries_refresh()["raised"] == 0


def test_a_relapse_dated_before_the_first_cr_is_refused(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        disease_history_record(
            patient=patient_a,
            user=coordinator,
            values={**HISTORY, "first_relapse_on": dt.date(2023, 7, 24)},
        )
    assert "after the first CR/CRi" in _errors(refused)["first_relapse_on"][0]
    # A relapse on the day of the first CR is no remission either.
    with pytest.raises(ValidationError):
        disease_history_record(
            patient=patient_a,
            user=coordinator,
            values={**HISTORY, "first_relapse_on": HISTORY["first_cr_on"]},
        )
    assert not DiseaseHistory.objects.exists()


def test_a_disease_never_in_cr_has_no_relapse(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        disease_history_record(
            patient=patient_a, user=coordinator, values={**HISTORY, "first_cr_on": None}
        )
    assert set(_errors(refused)) == {"first_relapse_on", "relapses"}


def test_a_regimen_ending_before_it_started_is_refused(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        prior_regimen_record(
            patient=patient_a,
            user=coordinator,
            values={**SEVEN_PLUS_THREE, "ended_on": dt.date(2023, 6, 19)},
        )
    assert "Cannot precede the start" in _errors(refused)["ended_on"][0]
    # Ending on the day it started is a one-day regimen.
    prior_regimen_record(
        patient=patient_a,
        user=coordinator,
        values={**SEVEN_PLUS_THREE, "ended_on": SEVEN_PLUS_THREE["started_on"]},
    )


def test_a_regimen_before_the_diagnosis_or_after_screening_is_refused(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        prior_regimen_record(
            patient=patient_a,
            user=coordinator,
            values={
                **SEVEN_PLUS_THREE,
                "started_on": dt.date(2023, 6, 11),
                "ended_on": dt.date(2025, 3, 5),
            },
        )
    assert "Before the diagnosis" in _errors(refused)["started_on"][0]
    assert "After the screening visit" in _errors(refused)["ended_on"][0]


def test_cytarabine_is_derived_for_a_listed_regimen_and_asked_for_another(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        prior_regimen_record(
            patient=patient_a,
            user=coordinator,
            values={**SEVEN_PLUS_THREE, "cytarabine_containing": False},
        )
    assert "contains cytarabine" in _errors(refused)["cytarabine_containing"][0]
    other = {**SEVEN_PLUS_THREE, "regimen": PriorRegimenName.OTHER}
    with pytest.raises(ValidationError) as refused:
        prior_regimen_record(patient=patient_a, user=coordinator, values=other)
    assert set(_errors(refused)) == {"regimen_other", "cytarabine_containing"}
    regimen = prior_regimen_record(
        patient=patient_a,
        user=coordinator,
        values={**other, "regimen_other": "MEC", "cytarabine_containing": True},
    )
    assert regimen.cytarabine_containing is True


def test_a_prior_lines_mismatch_raises_a_query_that_a_correction_closes(patient_a, coordinator):
    prior_regimen_record(patient=patient_a, user=coordinator, values=SEVEN_PLUS_THREE)
    history = disease_history_record(patient=patient_a, user=coordinator, values=HISTORY)
    second = prior_regimen_record(
        patient=patient_a,
        user=coordinator,
        values={
            "regimen": PriorRegimenName.AZACITIDINE,
            "started_on": dt.date(2024, 1, 8),
            "best_response": PriorResponse.NO_RESPONSE,
        },
    )
    history.refresh_from_db()
    assert history.prior_lines_counted == 2  # the screening says 1

    assert automatic_queries_refresh() == {"raised": 1, "closed": 0}
    query = DataQuery.objects.get(check_code="PRIOR_LINES_MISMATCH")
    assert (query.field_name, query.patient) == ("prior_lines_counted", patient_a)

    # The azacitidine was in fact a high-dose cytarabine consolidation: one line again.
    prior_regimen_update(
        regimen=second,
        user=coordinator,
        values={"regimen": PriorRegimenName.HIDAC_CONSOLIDATION},
        version=second.version,
        reason="Source: consolidation, not azacitidine",
    )
    assert automatic_queries_refresh() == {"raised": 0, "closed": 1}


def test_a_derived_status_other_than_the_screenings_raises_a_query(patient_a, coordinator):
    # The only regimen reached a partial remission: never in CR, primary refractory;
    # the screening says first relapse.
    prior_regimen_record(
        patient=patient_a,
        user=coordinator,
        values={**SEVEN_PLUS_THREE, "best_response": PriorResponse.PR},
    )
    history = disease_history_record(
        patient=patient_a, user=coordinator, values={"first_cr_on": None, "relapses": 0}
    )
    assert history.disease_status_derived == protocol.DiseaseStatus.PRIMARY_REFRACTORY

    automatic_queries_refresh()
    query = DataQuery.objects.get(check_code="DISEASE_STATUS_MISMATCH")
    assert "primary refractory" in query.text and "first relapse" in query.text


def test_a_screening_correction_derives_the_status_again(patient_a, coordinator):
    from patients.services import screening_update

    disease_history_record(
        patient=patient_a,
        user=coordinator,
        values={**HISTORY, "relapses": 2, "prior_hsct_on": dt.date(2024, 5, 2)},
    )
    history = DiseaseHistory.objects.get()
    assert history.disease_status_derived == protocol.DiseaseStatus.RELAPSE_AFTER_HSCT
    screening_update(
        patient=patient_a,
        user=coordinator,
        reason="Source: relapse documented before the HSCT",
        changes={"disease_status_on": dt.date(2024, 4, 30)},
        version=patient_a.screening.version,
    )
    history.refresh_from_db()
    assert history.disease_status_derived == protocol.DiseaseStatus.LATER_RELAPSE


def test_a_correction_needs_a_reason_and_the_version_read(patient_a, coordinator):
    history = disease_history_record(patient=patient_a, user=coordinator, values=HISTORY)
    with pytest.raises(ReasonRequired):
        disease_history_update(
            history_record=history, user=coordinator, values={"relapses": 2}, version=1, reason=""
        )
    disease_history_update(
        history_record=history, user=coordinator, values={"relapses": 2}, version=1, reason="x"
    )
    with pytest.raises(VersionConflict):
        disease_history_update(
            history_record=history, user=coordinator, values={"relapses": 1}, version=1, reason="y"
        )
    history.refresh_from_db()
    assert (history.relapses, history.version) == (2, 2)
    assert history.disease_status_derived == protocol.DiseaseStatus.LATER_RELAPSE


def test_only_a_coordinator_of_the_site_enters_it(patient_a, coordinator_b, investigator):
    for user in (coordinator_b, investigator):
        with pytest.raises(PermissionDenied):
            prior_regimen_record(patient=patient_a, user=user, values=SEVEN_PLUS_THREE)


def test_the_api_records_a_regimen_before_randomization_and_lists_it(
    patient_a, coordinator, sponsor
):
    api = APIClient()
    api.force_authenticate(coordinator)
    body = {**SEVEN_PLUS_THREE, "started_on": "2023-06-20", "ended_on": "2023-06-27"}
    created = api.post("/api/v1/patients/03-001/prior-regimens/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["cytarabine_containing"] is True

    refused = api.post(
        "/api/v1/patients/03-001/prior-regimens/",
        {**body, "ended_on": "2023-06-01"},
        format="json",
    )
    assert refused.status_code == 400 and "ended_on" in refused.json()

    reader = APIClient()
    reader.force_authenticate(sponsor)
    assert reader.post("/api/v1/patients/03-001/prior-regimens/", body).status_code in (403, 404)
    listed = reader.get("/api/v1/prior-regimens/").json()
    assert [r["regimen"] for r in listed["results"]] == ["7+3"]


def test_adsl_carries_the_derived_status_cr1_and_lines(patient_a, coordinator, statistician):
    prior_regimen_record(patient=patient_a, user=coordinator, values=SEVEN_PLUS_THREE)
    disease_history_record(patient=patient_a, user=coordinator, values=HISTORY)
    randomize(patient_a, coordinator)

    client = APIClient()
    client.force_authenticate(statistician)
    response = client.get("/api/v1/exports/adsl.csv")
    text = b"".join(response.streaming_content).decode()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    (row,) = csv.DictReader(io.StringIO("\n".join(lines)))
    assert (row["DISSTDER"], row["CR1DUR"], row["CR1DURGR"]) == ("first_relapse", "576", "late")
    assert (row["PRIORLINES"], row["PRIORHSCT"], row["PRIORARA"]) == ("1", "N", "Y")
