"""A response category may not claim more than its values support (ELN 2017 / IWG 2003).

CR: marrow blasts < 5%, no circulating blasts, no Auer rods, no extramedullary disease,
ANC ≥ 1.0 and platelets ≥ 100 × 10⁹/L. CRi: the same with low counts. MLFS: < 5% marrow
blasts, no count recovery needed. PR: CR counts, marrow blasts 5-25% and at most half the
baseline (32% at screening here). Relapse: after a CR or CRi, marrow blasts ≥ 5%, or blasts
back in blood, or extramedullary disease. A response is assessed after cycle 1 starts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import protocol
from tests.factories import screen_patient
from tests.visits.builders import randomize, record_cycle, record_response
from visits.models import ResponseAssessment
from visits.services import cycle_update

R = protocol.ResponseCategory
ASSESSED_ON = dt.date(2025, 4, 2)


@pytest.fixture
def after_induction(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


def _refused(patient, user, category, assessed_on=ASSESSED_ON, **values):
    stored = ResponseAssessment.objects.filter(patient=patient).count()
    with pytest.raises(ValidationError) as refused:
        record_response(patient, user, assessed_on, category, **values)
    assert ResponseAssessment.objects.filter(patient=patient).count() == stored
    return refused.value.message_dict


def test_it_accepts_a_cr_with_its_values_and_notes_the_cycle_it_follows(
    after_induction, coordinator
):
    assessment = record_response(after_induction, coordinator, ASSESSED_ON, R.CR)

    assert (assessment.category, assessment.after_cycle) == (R.CR, 1)


def test_it_refuses_a_cr_with_platelets_under_100_as_cri_at_best(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.CR, platelets=Decimal("80"))

    message = errors["category"][0]
    assert "(CRi) at best" in message
    assert "platelets 80" in message


def test_it_refuses_a_cr_with_an_anc_under_1(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.CR, anc=Decimal("0.8"))

    assert "(CRi) at best" in errors["category"][0]
    assert "ANC 0.8" in errors["category"][0]


def test_it_refuses_a_cr_with_transfusion_dependence(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.CR, transfusion_dependent=True)

    assert "transfusion dependence" in errors["category"][0]


def test_it_accepts_a_cri_with_low_counts(after_induction, coordinator):
    assessment = record_response(
        after_induction,
        coordinator,
        ASSESSED_ON,
        R.CRI,
        anc=Decimal("0.4"),
        platelets=Decimal("35"),
    )

    assert assessment.category == R.CRI


def test_it_accepts_a_mlfs_with_blasts_still_in_the_blood(after_induction, coordinator):
    assessment = record_response(
        after_induction,
        coordinator,
        ASSESSED_ON,
        R.MLFS,
        circulating_blasts=True,
        anc=Decimal("0.2"),
        platelets=Decimal("12"),
    )

    assert assessment.category == R.MLFS


@pytest.mark.parametrize("category", [R.CRI, R.CR])
def test_it_refuses_cr_and_cri_with_blasts_in_the_blood(after_induction, coordinator, category):
    errors = _refused(after_induction, coordinator, category, circulating_blasts=True)

    assert "MLFS" in errors["category"][0]


@pytest.mark.parametrize("category", [R.CR, R.CRI, R.MLFS])
def test_it_refuses_a_remission_with_5_percent_marrow_blasts_or_more(
    after_induction, coordinator, category
):
    errors = _refused(after_induction, coordinator, category, marrow_blasts_pct=Decimal("5.0"))

    assert "marrow blasts 5.0% (must be < 5%)" in errors["category"][0]


@pytest.mark.parametrize("category", [R.CR, R.CRI, R.MLFS])
@pytest.mark.parametrize("finding", ["auer_rods", "extramedullary_disease"])
def test_it_refuses_a_remission_with_auer_rods_or_extramedullary_disease(
    after_induction, coordinator, category, finding
):
    errors = _refused(after_induction, coordinator, category, **{finding: True})

    assert list(errors) == ["category"]


def test_it_requires_the_marrow_blasts_for_a_remission(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.CRI, marrow_blasts_pct=None)

    assert list(errors) == ["marrow_blasts_pct"]


@pytest.mark.parametrize("blasts", ["5.0", "12.0", "16.0"])
def test_it_accepts_a_pr_with_5_to_25_percent_blasts_at_most_half_the_baseline(
    after_induction, coordinator, blasts
):
    assessment = record_response(
        after_induction, coordinator, ASSESSED_ON, R.PR, marrow_blasts_pct=Decimal(blasts)
    )

    assert assessment.category == R.PR


@pytest.mark.parametrize("blasts", ["16.1", "20.0"])
def test_it_refuses_a_pr_whose_blasts_did_not_halve_from_the_baseline(
    after_induction, coordinator, blasts
):
    errors = _refused(after_induction, coordinator, R.PR, marrow_blasts_pct=Decimal(blasts))

    assert "at most half the baseline (32.0%)" in errors["category"][0]


def test_it_refuses_a_pr_with_more_than_25_percent_blasts(site_a, coordinator, frozen_today):
    # Baseline 80%: 30% is more than halved, but above the 25% ceiling of a PR.
    patient = screen_patient(site=site_a, user=coordinator, marrow_blasts_pct="80.0")
    randomize(patient, coordinator)
    record_cycle(patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    errors = _refused(patient, coordinator, R.PR, marrow_blasts_pct=Decimal("30.0"))

    assert "must be 5-25%" in errors["category"][0]


def test_it_refuses_a_pr_without_count_recovery(after_induction, coordinator):
    errors = _refused(
        after_induction,
        coordinator,
        R.PR,
        marrow_blasts_pct=Decimal("12.0"),
        platelets=Decimal("60"),
    )

    assert "platelets 60" in errors["category"][0]


def test_it_accepts_resistant_disease_whatever_the_values(after_induction, coordinator):
    assessment = record_response(
        after_induction, coordinator, ASSESSED_ON, R.RESISTANT, marrow_blasts_pct=Decimal("2.0")
    )

    assert assessment.category == R.RESISTANT


def test_it_refuses_a_relapse_without_a_prior_cr_or_cri(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.RELAPSE, marrow_blasts_pct=Decimal("40"))

    assert errors["category"] == [
        "A relapse follows a CR or CRi; none is recorded before this date."
    ]


def test_it_refuses_a_relapse_after_a_mlfs_only(after_induction, coordinator):
    record_response(
        after_induction,
        coordinator,
        ASSESSED_ON,
        R.MLFS,
        anc=Decimal("0.3"),
        platelets=Decimal("20"),
    )

    errors = _refused(
        after_induction,
        coordinator,
        R.RELAPSE,
        dt.date(2025, 5, 20),
        marrow_blasts_pct=Decimal("40"),
    )

    assert "none is recorded before this date" in errors["category"][0]


def test_it_refuses_a_relapse_dated_before_the_remission(after_induction, coordinator):
    record_response(after_induction, coordinator, dt.date(2025, 5, 20), R.CR)

    errors = _refused(
        after_induction,
        coordinator,
        R.RELAPSE,
        dt.date(2025, 4, 2),
        marrow_blasts_pct=Decimal("40"),
    )

    assert "none is recorded before this date" in errors["category"][0]


@pytest.mark.parametrize(
    "evidence",
    [
        {"marrow_blasts_pct": Decimal("5.0")},
        {"marrow_blasts_pct": Decimal("1.0"), "circulating_blasts": True},
        {"marrow_blasts_pct": None, "extramedullary_disease": True},
    ],
)
def test_it_accepts_a_relapse_after_a_cr_with_its_evidence(after_induction, coordinator, evidence):
    record_response(after_induction, coordinator, ASSESSED_ON, R.CR)

    relapse = record_response(
        after_induction, coordinator, dt.date(2025, 5, 20), R.RELAPSE, **evidence
    )

    assert relapse.category == R.RELAPSE


def test_it_refuses_a_relapse_without_evidence_of_leukaemia(after_induction, coordinator):
    record_response(after_induction, coordinator, ASSESSED_ON, R.CRI, platelets=Decimal("70"))

    errors = _refused(
        after_induction,
        coordinator,
        R.RELAPSE,
        dt.date(2025, 5, 20),
        marrow_blasts_pct=Decimal("4.9"),
    )

    assert errors["category"] == [
        "A relapse needs marrow blasts ≥ 5%, blasts in the blood or extramedullary disease."
    ]


def test_it_refuses_a_response_before_any_cycle(ic_patient, coordinator):
    errors = _refused(ic_patient, coordinator, R.CR)

    assert "record cycle 1 first" in errors["assessed_on"][0]


def test_it_refuses_a_response_dated_before_cycle_1_started(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 10), dt.date(2025, 3, 16))

    errors = _refused(ic_patient, coordinator, R.CR, dt.date(2025, 3, 7))

    assert "A response is assessed after treatment has started" in errors["assessed_on"][0]


def test_it_refuses_a_response_in_the_future(after_induction, coordinator):
    errors = _refused(after_induction, coordinator, R.CR, dt.date(2025, 6, 3))

    assert "is in the future" in errors["assessed_on"][0]


def test_it_refuses_moving_cycle_1_after_a_response_already_recorded(after_induction, coordinator):
    cycle_1 = after_induction.cycles.get(number=1)
    record_response(after_induction, coordinator, ASSESSED_ON, R.CR)

    with pytest.raises(ValidationError):
        cycle_update(
            cycle=cycle_1,
            user=coordinator,
            version=cycle_1.version,
            values={"started_on": dt.date(2025, 4, 5), "ended_on": dt.date(2025, 4, 10)},
            reason="Dates from the day-hospital register",
        )

    cycle_1.refresh_from_db()
    assert cycle_1.started_on == dt.date(2025, 3, 6)
