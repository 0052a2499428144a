"""Treatment beyond the protocol's indication: recorded, flagged as deviations, listed.

Azacitidine is given until progression: a cycle started after a recorded progression or
relapse (a response assessed before the cycle's first day) is a minor deviation. Consolidation
is for patients in response: a consolidation started when the last response assessed on or
before its first day is not a CR, CRi or MLFS (a resistant induction, a PR, a relapse since)
is a major deviation. Both cycles are saved as entered: the deviation never blocks, and it is
found whichever is keyed in first, the cycle or the response.

The patient is randomized on 5 March 2025; cycle 1 runs from 6 to 12 March. Today is 2 June.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lxml import html
from rest_framework.test import APIClient

import protocol
from tests.factories import screen_patient
from tests.visits.builders import randomize, record_cycle, record_response
from visits.models import ProtocolDeviation, TreatmentCycle
from visits.services import response_update

R = protocol.ResponseCategory
Kind = ProtocolDeviation.Kind
Severity = protocol.DeviationSeverity
PROGRESSION_ON = dt.date(2025, 4, 20)
EVALUATED_ON = dt.date(2025, 4, 2)


def _cycles(patient, user, *starts: dt.date) -> list[TreatmentCycle]:
    """Record cycles starting on these days, each lasting a week."""
    return [record_cycle(patient, user, on, on + dt.timedelta(days=6)) for on in starts]


def _deviations(patient, kind) -> dict[int, ProtocolDeviation]:
    return {
        d.cycle.number: d
        for d in ProtocolDeviation.objects.filter(patient=patient, kind=kind).select_related(
            "cycle"
        )
    }


# --- Azacitidine until progression ----------------------------------------------------


@pytest.fixture
def two_azacitidine_cycles(aza_patient, coordinator):
    """Azacitidine cycles from 6 March and 3 April 2025 (28 days apart)."""
    _cycles(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 4, 3))
    return aza_patient


def test_it_records_a_deviation_for_an_azacitidine_cycle_started_after_recorded_progression(
    two_azacitidine_cycles, coordinator
):
    patient = two_azacitidine_cycles
    record_response(patient, coordinator, PROGRESSION_ON, R.PROGRESSION)

    (cycle_3,) = _cycles(patient, coordinator, dt.date(2025, 5, 1))

    assert TreatmentCycle.objects.filter(patient=patient).count() == 3
    deviations = _deviations(patient, Kind.AZACITIDINE_AFTER_PROGRESSION)
    assert list(deviations) == [3]
    assert (deviations[3].cycle, deviations[3].severity, deviations[3].corrected_at) == (
        cycle_3,
        Severity.MINOR,
        None,
    )
    assert deviations[3].description == (
        "Cycle 3 (azacitidine) started 01/05/2025 after progressive disease recorded on "
        "20/04/2025: azacitidine is given until progression."
    )


def test_it_records_a_deviation_for_an_azacitidine_cycle_started_after_a_relapse(
    aza_patient, coordinator
):
    _cycles(aza_patient, coordinator, dt.date(2025, 3, 6))
    record_response(aza_patient, coordinator, dt.date(2025, 3, 31), R.CR)
    _cycles(aza_patient, coordinator, dt.date(2025, 4, 3))
    record_response(
        aza_patient, coordinator, PROGRESSION_ON, R.RELAPSE, marrow_blasts_pct=Decimal("20")
    )

    _cycles(aza_patient, coordinator, dt.date(2025, 5, 1))

    assert "after relapse recorded on 20/04/2025" in (
        _deviations(aza_patient, Kind.AZACITIDINE_AFTER_PROGRESSION)[3].description
    )


def test_it_records_no_deviation_for_azacitidine_given_on_in_stable_disease(
    two_azacitidine_cycles, coordinator
):
    patient = two_azacitidine_cycles
    record_response(
        patient, coordinator, PROGRESSION_ON, R.RESISTANT, marrow_blasts_pct=Decimal("40")
    )

    _cycles(patient, coordinator, dt.date(2025, 5, 1))

    assert not ProtocolDeviation.objects.filter(patient=patient).exists()


def test_it_counts_only_a_progression_assessed_before_the_cycle_started(
    two_azacitidine_cycles, coordinator
):
    patient = two_azacitidine_cycles
    _cycles(patient, coordinator, dt.date(2025, 5, 1))

    record_response(patient, coordinator, dt.date(2025, 5, 1), R.PROGRESSION)

    assert not ProtocolDeviation.objects.filter(patient=patient).exists()


def test_it_finds_the_deviation_when_the_progression_is_keyed_in_after_the_cycle(
    two_azacitidine_cycles, coordinator
):
    patient = two_azacitidine_cycles
    _cycles(patient, coordinator, dt.date(2025, 5, 1))
    assert not ProtocolDeviation.objects.filter(patient=patient).exists()

    record_response(patient, coordinator, PROGRESSION_ON, R.PROGRESSION)

    assert list(_deviations(patient, Kind.AZACITIDINE_AFTER_PROGRESSION)) == [3]


def test_it_marks_the_deviation_corrected_when_the_progression_is_corrected(
    two_azacitidine_cycles, coordinator
):
    patient = two_azacitidine_cycles
    progression = record_response(patient, coordinator, PROGRESSION_ON, R.PROGRESSION)
    _cycles(patient, coordinator, dt.date(2025, 5, 1))

    response_update(
        assessment=progression,
        user=coordinator,
        values={"category": R.RESISTANT, "marrow_blasts_pct": Decimal("40")},
        version=progression.version,
        reason="Stable disease: blasts unchanged from baseline",
    )

    deviation = _deviations(patient, Kind.AZACITIDINE_AFTER_PROGRESSION)[3]
    assert deviation.corrected_at is not None


# --- Consolidation for patients in response --------------------------------------------


@pytest.fixture
def induced(ic_patient, coordinator):
    _cycles(ic_patient, coordinator, dt.date(2025, 3, 6))
    return ic_patient


@pytest.mark.parametrize(
    ("category", "values", "label"),
    [
        (R.RESISTANT, {"marrow_blasts_pct": Decimal("30.0")}, "Resistant / stable disease"),
        (R.PR, {"marrow_blasts_pct": Decimal("12.0")}, "Partial remission (PR)"),
        (R.PROGRESSION, {"marrow_blasts_pct": Decimal("70.0")}, "Progressive disease"),
    ],
)
def test_it_records_a_major_deviation_for_a_consolidation_after_an_induction_without_response(
    induced, coordinator, category, values, label
):
    record_response(induced, coordinator, EVALUATED_ON, category, **values)

    (consolidation,) = _cycles(induced, coordinator, dt.date(2025, 4, 10))

    assert consolidation.phase == protocol.CyclePhase.CONSOLIDATION
    deviation = _deviations(induced, Kind.CONSOLIDATION_NOT_IN_RESPONSE)[2]
    assert (deviation.severity, deviation.corrected_at) == (Severity.MAJOR, None)
    assert deviation.description == (
        f"Cycle 2 (consolidation) started 10/04/2025, after {label} on 02/04/2025: "
        "consolidation is for patients in response (CR, CRi, MLFS)."
    )


@pytest.mark.parametrize(
    ("category", "counts"),
    [
        (R.CR, {}),
        (R.CRI, {"platelets": Decimal("45")}),
        (R.MLFS, {"anc": Decimal("0.3"), "circulating_blasts": True}),
    ],
)
def test_it_records_no_deviation_for_a_consolidation_in_response(
    induced, coordinator, category, counts
):
    record_response(induced, coordinator, EVALUATED_ON, category, **counts)

    _cycles(induced, coordinator, dt.date(2025, 4, 10), dt.date(2025, 5, 10))

    assert not ProtocolDeviation.objects.filter(patient=induced).exists()


def test_it_records_a_deviation_for_a_consolidation_after_a_relapse_since_the_remission(
    induced, coordinator
):
    record_response(induced, coordinator, EVALUATED_ON, R.CR)
    _cycles(induced, coordinator, dt.date(2025, 4, 10))
    record_response(
        induced, coordinator, dt.date(2025, 5, 2), R.RELAPSE, marrow_blasts_pct=Decimal("15")
    )

    _cycles(induced, coordinator, dt.date(2025, 5, 10))

    deviations = _deviations(induced, Kind.CONSOLIDATION_NOT_IN_RESPONSE)
    assert list(deviations) == [3]
    assert "after Relapse on 02/05/2025" in deviations[3].description


def test_it_finds_the_deviation_when_the_evaluation_is_keyed_in_after_the_consolidation(
    induced, coordinator
):
    _cycles(induced, coordinator, dt.date(2025, 4, 10))
    assert not ProtocolDeviation.objects.filter(patient=induced).exists()

    record_response(
        induced, coordinator, EVALUATED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("30")
    )

    assert list(_deviations(induced, Kind.CONSOLIDATION_NOT_IN_RESPONSE)) == [2]


# --- Visible to the data manager --------------------------------------------------------


def test_the_data_manager_sees_both_with_their_severity_on_the_dashboard_and_in_the_api(
    client, site_a, aza_patient, coordinator, data_manager
):
    ic = screen_patient(site=site_a, user=coordinator)
    randomize(ic, coordinator, protocol.Regimen.INTENSIVE)
    _cycles(ic, coordinator, dt.date(2025, 3, 6))
    record_response(ic, coordinator, EVALUATED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("30"))
    _cycles(ic, coordinator, dt.date(2025, 4, 10))
    _cycles(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 4, 3))
    record_response(aza_patient, coordinator, PROGRESSION_ON, R.PROGRESSION)
    _cycles(aza_patient, coordinator, dt.date(2025, 5, 1))
    client.force_login(data_manager)
    api = APIClient()
    api.force_authenticate(data_manager)

    page = html.fromstring(client.get("/").text)
    listed = api.get("/api/v1/deviations/").json()["results"]

    # Major first, then minor.
    assert [
        " ".join(li.text_content().split())
        for li in page.xpath("//details[@id='open-deviations']//li")
    ] == [
        f"{ic.study_id} · Major: Cycle 2 (consolidation) started 10/04/2025, after Resistant / "
        "stable disease on 02/04/2025: consolidation is for patients in response (CR, CRi, MLFS).",
        f"{aza_patient.study_id} · Minor: Cycle 3 (azacitidine) started 01/05/2025 after "
        "progressive disease recorded on 20/04/2025: azacitidine is given until progression.",
    ]
    assert sorted((d["study_id"], d["kind"], d["severity"], d["cycle"]) for d in listed) == [
        (aza_patient.study_id, "aza_after_progression", "minor", 3),
        (ic.study_id, "consolidation_no_response", "major", 2),
    ]
