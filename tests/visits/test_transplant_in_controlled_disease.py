"""Allo-HSCT in uncontrolled disease: recorded, as a major protocol deviation with a query.

The protocol allows allo-HSCT for any patient at any time "providing the disease is
controlled": a CR, CRi or MLFS. The transplant form records the disease status at HSCT and
the MRD if known; the last response assessed on or before the day of the HSCT must show the
disease controlled too. A transplant in uncontrolled disease (a CR, then a relapse with no new
remission; or a status of active disease) is a real event: it is saved, the system records a
major protocol deviation, and an automatic query asks the site to confirm.

ic_patient: induction from 6 to 12 March 2025; today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from lxml import html
from rest_framework.test import APIClient

import protocol
from review.checks import automatic_queries_refresh
from review.models import DataQuery
from tests.visits.builders import record_cycle, record_response, record_transplant
from visits.models import ProtocolDeviation, Transplant
from visits.services import response_update, transplant_update

R = protocol.ResponseCategory
Status = protocol.DiseaseStatusAtTransplant
UNCONTROLLED = ProtocolDeviation.Kind.TRANSPLANT_UNCONTROLLED
CHECK = "TRANSPLANT_UNCONTROLLED_DISEASE"
CR_ON, RELAPSE_ON, TRANSPLANTED_ON = dt.date(2025, 4, 2), dt.date(2025, 5, 10), dt.date(2025, 5, 20)
RELAPSE_EVIDENCE = {"marrow_blasts_pct": Decimal("18.0")}


@pytest.fixture
def after_induction(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


@pytest.fixture
def in_remission(after_induction, coordinator):
    """CR on 2 April 2025."""
    record_response(after_induction, coordinator, CR_ON, R.CR)
    return after_induction


@pytest.fixture
def relapsed(in_remission, coordinator):
    """CR on 2 April, relapse on 10 May 2025, no remission since."""
    record_response(in_remission, coordinator, RELAPSE_ON, R.RELAPSE, **RELAPSE_EVIDENCE)
    return in_remission


def _transplant(patient, user, on=TRANSPLANTED_ON, **values) -> Transplant:
    return record_transplant(patient, user, on, **values)


def _deviation(patient) -> ProtocolDeviation:
    return ProtocolDeviation.objects.get(patient=patient, kind=UNCONTROLLED)


def test_it_records_a_transplant_after_a_relapse_with_no_new_remission_as_a_major_deviation(
    relapsed, coordinator
):
    transplant = _transplant(relapsed, coordinator)

    assert Transplant.objects.get(patient=relapsed) == transplant
    # Left empty, the status is the last response's before the HSCT: the relapse.
    assert transplant.disease_status == Status.ACTIVE_DISEASE
    deviation = _deviation(relapsed)
    assert (deviation.severity, deviation.corrected_at) == (protocol.DeviationSeverity.MAJOR, None)
    assert deviation.description == (
        "Allo-HSCT on 20/05/2025 in uncontrolled disease (disease status at HSCT: Active "
        "disease (resistant, progressive or relapsed); last response before it: Relapse on "
        "10/05/2025): the protocol allows it once the disease is controlled (CR, CRi, MLFS)."
    )


def test_it_records_a_transplant_after_a_relapse_as_a_deviation_whatever_status_is_entered(
    relapsed, coordinator
):
    _transplant(relapsed, coordinator, disease_status=Status.CR)

    assert "last response before it: Relapse on 10/05/2025" in _deviation(relapsed).description


def test_it_records_a_transplant_entered_in_active_disease_as_a_major_deviation(
    in_remission, coordinator
):
    _transplant(in_remission, coordinator, disease_status=Status.ACTIVE_DISEASE)

    deviation = _deviation(in_remission)
    assert deviation.severity == protocol.DeviationSeverity.MAJOR
    assert "(disease status at HSCT: Active disease" in deviation.description
    assert "last response" not in deviation.description


@pytest.mark.parametrize(
    ("category", "values"),
    [
        (R.PR, {"marrow_blasts_pct": Decimal("12.0")}),
        (R.RESISTANT, {"marrow_blasts_pct": Decimal("30.0")}),
    ],
)
def test_it_records_a_transplant_after_a_response_short_of_disease_control_as_a_major_deviation(
    after_induction, coordinator, category, values
):
    record_response(after_induction, coordinator, CR_ON, category, **values)

    transplant = _transplant(after_induction, coordinator)

    assert transplant.disease_status == Status.of_response(category)
    assert _deviation(after_induction).corrected_at is None


def test_it_takes_the_status_from_the_last_response_on_or_before_the_transplant_day(
    relapsed, coordinator
):
    # A new remission documented on the day of the HSCT: the disease is controlled.
    record_response(relapsed, coordinator, TRANSPLANTED_ON, R.CRI, platelets=Decimal("60"))

    transplant = _transplant(relapsed, coordinator)

    assert transplant.disease_status == Status.CRI
    assert not ProtocolDeviation.objects.filter(patient=relapsed, kind=UNCONTROLLED).exists()


def test_it_asks_for_the_disease_status_when_no_response_precedes_the_transplant(
    after_induction, coordinator
):
    with pytest.raises(ValidationError) as refused:
        _transplant(after_induction, coordinator)

    assert refused.value.message_dict == {
        "disease_status": [
            "Give the disease status at HSCT: no response is recorded on or before 20/05/2025 "
            "to take it from."
        ]
    }
    assert not Transplant.objects.exists()
    assert not ProtocolDeviation.objects.exists()


def test_it_records_a_transplant_no_response_shows_in_controlled_disease_as_a_deviation(
    after_induction, coordinator
):
    # A remission documented only after the HSCT does not show the disease controlled at it.
    record_response(after_induction, coordinator, dt.date(2025, 5, 21), R.CR)

    _transplant(after_induction, coordinator, disease_status=Status.CR)

    assert "(no response assessment on or before it)" in _deviation(after_induction).description


def test_it_finds_the_deviation_when_a_relapse_before_the_transplant_is_recorded_later(
    in_remission, coordinator
):
    _transplant(in_remission, coordinator)
    assert not ProtocolDeviation.objects.exists()

    record_response(in_remission, coordinator, RELAPSE_ON, R.RELAPSE, **RELAPSE_EVIDENCE)

    assert _deviation(in_remission).corrected_at is None


def test_it_records_the_deviation_when_a_correction_takes_away_the_remission_it_rested_on(
    in_remission, coordinator
):
    cr = in_remission.responses.get()
    _transplant(in_remission, coordinator)

    response_update(
        assessment=cr,
        user=coordinator,
        values={"category": R.RESISTANT, "marrow_blasts_pct": Decimal("30")},
        version=cr.version,
        reason="Marrow re-read: 30% blasts",
    )

    cr.refresh_from_db()
    assert cr.category == R.RESISTANT
    assert "last response before it: Resistant / stable disease on 02/04/2025" in (
        _deviation(in_remission).description
    )


def test_it_marks_the_deviation_corrected_when_a_correction_shows_the_disease_controlled(
    in_remission, coordinator, frozen_today
):
    transplant = _transplant(in_remission, coordinator, disease_status=Status.ACTIVE_DISEASE)

    transplant_update(
        transplant=transplant,
        user=coordinator,
        values={"disease_status": Status.CR},
        version=transplant.version,
        reason="Status copied from the wrong line of the transplant report",
    )

    deviation = _deviation(in_remission)
    assert deviation.corrected_at is not None
    assert deviation.corrected_at.date() == frozen_today


def test_it_raises_an_automatic_query_on_a_transplant_in_uncontrolled_disease(
    relapsed, coordinator
):
    transplant = _transplant(relapsed, coordinator)

    automatic_queries_refresh()

    query = DataQuery.objects.get(check_code=CHECK)
    assert (query.record, query.field_name, query.status) == (
        transplant,
        "disease_status",
        DataQuery.Status.OPEN,
    )
    assert query.text == (
        f"Major protocol deviation: {_deviation(relapsed).description} Please confirm the "
        "disease status at HSCT and the response assessments before it."
    )


def test_it_closes_the_query_once_a_correction_shows_the_disease_controlled(
    in_remission, coordinator
):
    transplant = _transplant(in_remission, coordinator, disease_status=Status.ACTIVE_DISEASE)
    automatic_queries_refresh()
    transplant_update(
        transplant=transplant,
        user=coordinator,
        values={"disease_status": Status.CR},
        version=transplant.version,
        reason="Status copied from the wrong line of the transplant report",
    )

    automatic_queries_refresh()

    assert DataQuery.objects.get(check_code=CHECK).status == DataQuery.Status.CLOSED


def test_it_records_the_mrd_at_transplant_when_known(in_remission, coordinator):
    transplant = _transplant(
        in_remission, coordinator, mrd_status=protocol.MrdAtTransplant.NEGATIVE
    )

    transplant.refresh_from_db()
    assert transplant.mrd_status == protocol.MrdAtTransplant.NEGATIVE


def test_the_form_proposes_the_status_and_mrd_of_the_last_response(
    client, after_induction, coordinator
):
    record_response(after_induction, coordinator, CR_ON, R.CR, mrd_negative=True)
    client.force_login(coordinator)

    page = html.fromstring(client.get(f"/patients/{after_induction.study_id}/transplant/new/").text)

    assert page.xpath("//select[@name='disease_status']/option[@selected]/@value") == ["CR"]
    assert page.xpath("//select[@name='mrd_status']/option[@selected]/@value") == ["negative"]


def test_the_api_takes_the_status_from_the_last_response_when_it_is_left_out(relapsed, coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)

    response = api.post(
        f"/api/v1/patients/{relapsed.study_id}/transplant/",
        {
            "transplanted_on": "2025-05-20",
            "donor_type": "matched_sibling",
            "conditioning": "mac",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["disease_status"], response.json()["mrd_status"]) == ("active", "")
    assert _deviation(relapsed).corrected_at is None


def test_the_timeline_shows_the_status_at_transplant_and_the_major_deviation(
    client, relapsed, coordinator
):
    _transplant(relapsed, coordinator, mrd_status=protocol.MrdAtTransplant.POSITIVE)
    client.force_login(coordinator)

    page = html.fromstring(client.get(f"/patients/{relapsed.study_id}/").text)

    transplant = page.xpath("string(//li[@id='timeline-transplant'])")
    assert "disease: Active disease (resistant, progressive or relapsed) · MRD positive" in (
        " ".join(transplant.split())
    )
    assert page.xpath("//ul[@id='deviations']/li[contains(@class, 'major')]/strong/text()") == [
        "Major"
    ]
