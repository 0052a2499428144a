"""After the allo-HSCT: a second HSCT, donor lymphocyte infusions, acute GVHD (grade I-IV)
and chronic GVHD (NIH severity), many per patient, each dated on or after the HSCT and
linked to the HSCT it follows. The first HSCT stays the transplant record, with its rules
(controlled disease) and the endpoints that read its date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

import protocol
from tests.visits.builders import record_cycle, record_response
from visits.models import PostTransplantEvent, Transplant
from visits.services import transplant_event_record, transplant_event_update, transplant_record

K = protocol.TransplantEventKind
TRANSPLANTED_ON = dt.date(2025, 4, 20)


@pytest.fixture
def transplanted(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(ic_patient, coordinator, dt.date(2025, 4, 2), protocol.ResponseCategory.CR)
    transplant_record(
        patient=ic_patient,
        user=coordinator,
        values={
            "transplanted_on": TRANSPLANTED_ON,
            "donor_type": protocol.DonorType.MATCHED_UNRELATED,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
            "graft_source": protocol.GraftSource.PBSC,
        },
    )
    return ic_patient


def _event(patient, user, kind, on, **values) -> PostTransplantEvent:
    return transplant_event_record(
        patient=patient, user=user, values={"kind": kind, "occurred_on": on, **values}
    )


def _refusal(patient, user, kind, on, **values) -> dict:
    with pytest.raises(ValidationError) as refused:
        _event(patient, user, kind, on, **values)
    return refused.value.message_dict


def test_the_first_hsct_keeps_its_details_with_the_graft_source(transplanted):
    transplant = Transplant.objects.get(patient=transplanted)
    assert (transplant.graft_source, transplant.disease_status) == ("pbsc", "CR")


def test_an_event_needs_the_hsct_recorded_first(ic_patient, coordinator):
    errors = _refusal(
        ic_patient, coordinator, K.ACUTE_GVHD, dt.date(2025, 5, 1), acute_gvhd_grade=2
    )
    assert errors["kind"] == ["Record the allo-HSCT first: this event follows it."]


@pytest.mark.parametrize(("days", "refused"), [(-1, True), (0, False)])
def test_a_gvhd_is_dated_on_or_after_the_hsct(transplanted, coordinator, days, refused):
    on = TRANSPLANTED_ON + dt.timedelta(days=days)
    if refused:
        errors = _refusal(transplanted, coordinator, K.ACUTE_GVHD, on, acute_gvhd_grade=2)
        assert "Before the allo-HSCT of 20/04/2025" in errors["occurred_on"][0]
    else:
        event = _event(transplanted, coordinator, K.ACUTE_GVHD, on, acute_gvhd_grade=2)
        assert (event.acute_gvhd_grade, event.after_hsct) == (2, 1)


@pytest.mark.parametrize("grade", [0, 5])
def test_acute_gvhd_is_graded_one_to_four(transplanted, coordinator, grade):
    errors = _refusal(
        transplanted, coordinator, K.ACUTE_GVHD, dt.date(2025, 5, 5), acute_gvhd_grade=grade
    )
    assert "acute_gvhd_grade" in errors


def test_each_kind_takes_its_own_items_only(transplanted, coordinator):
    errors = _refusal(
        transplanted,
        coordinator,
        K.DLI,
        dt.date(2025, 5, 5),
        acute_gvhd_grade=2,
    )
    assert errors["dli_cd3_per_kg"] == ["Give it for a donor lymphocyte infusion (dli)."]
    assert errors["acute_gvhd_grade"] == ["Not for a donor lymphocyte infusion (dli)."]


@pytest.mark.parametrize(("dose", "accepted"), [("0.01", True), ("0.009", False)])
def test_a_dli_dose_is_plausible(transplanted, coordinator, dose, accepted):
    values = {"dli_cd3_per_kg": Decimal(dose)}
    if accepted:
        assert _event(transplanted, coordinator, K.DLI, dt.date(2025, 5, 5), **values).pk
    else:
        errors = _refusal(transplanted, coordinator, K.DLI, dt.date(2025, 5, 5), **values)
        assert "outside the plausible range" in errors["dli_cd3_per_kg"][0]


def _second(patient, user, on):
    return _event(
        patient,
        user,
        K.SECOND_HSCT,
        on,
        donor_type=protocol.DonorType.HAPLOIDENTICAL,
        conditioning=protocol.Conditioning.REDUCED_INTENSITY,
        graft_source=protocol.GraftSource.BONE_MARROW,
        disease_status=protocol.DiseaseStatusAtTransplant.ACTIVE_DISEASE,
    )


def test_events_after_a_second_hsct_follow_it(transplanted, coordinator):
    chronic = _event(
        transplanted,
        coordinator,
        K.CHRONIC_GVHD,
        dt.date(2025, 5, 25),
        chronic_gvhd_severity=protocol.ChronicGvhdSeverity.MODERATE,
    )
    assert chronic.after_hsct == 1

    second = _second(transplanted, coordinator, dt.date(2025, 5, 20))

    assert second.after_hsct == 2
    chronic.refresh_from_db()
    assert (chronic.after_hsct, chronic.version) == (2, 2)
    dli = _event(
        transplanted, coordinator, K.DLI, dt.date(2025, 5, 19), dli_cd3_per_kg=Decimal("1")
    )
    assert dli.after_hsct == 1


def test_there_is_one_second_hsct(transplanted, coordinator):
    _second(transplanted, coordinator, dt.date(2025, 5, 20))
    with pytest.raises(ValidationError) as refused:
        _second(transplanted, coordinator, dt.date(2025, 5, 28))
    assert "already recorded" in refused.value.message_dict["kind"][0]


def test_a_second_hsct_needs_its_donor_conditioning_graft_and_status(transplanted, coordinator):
    errors = _refusal(transplanted, coordinator, K.SECOND_HSCT, dt.date(2025, 5, 20))
    assert {"donor_type", "conditioning", "graft_source", "disease_status"} <= set(errors)


def test_a_correction_keeps_the_kind_and_asks_for_a_reason(transplanted, coordinator):
    event = _event(transplanted, coordinator, K.ACUTE_GVHD, dt.date(2025, 5, 5), acute_gvhd_grade=2)
    event = transplant_event_update(
        event=event,
        user=coordinator,
        values={"acute_gvhd_grade": 3},
        version=event.version,
        reason="Skin stage 4 on review",
    )
    assert PostTransplantEvent.objects.get(pk=event.pk).acute_gvhd_grade == 3
    with pytest.raises(ValidationError):
        transplant_event_update(
            event=event,
            user=coordinator,
            values={"kind": K.CHRONIC_GVHD},
            version=event.version,
            reason="Wrong kind",
        )


def test_the_api_keeps_the_transplant_path_and_adds_the_events(
    transplanted, coordinator, statistician
):
    client = APIClient()
    client.force_authenticate(coordinator)
    base = f"/api/v1/patients/{transplanted.study_id}"
    assert client.get(f"{base}/transplant/current/").status_code in (200, 405)
    response = client.post(
        f"{base}/transplant-events/",
        {"kind": "acute_gvhd", "occurred_on": "2025-05-05", "acute_gvhd_grade": 2},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["after_hsct"] == 1

    client.force_authenticate(statistician)
    listed = client.get("/api/v1/transplant-events/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["kind"], r["acute_gvhd_grade"]) for r in rows] == [("acute_gvhd", 2)]
