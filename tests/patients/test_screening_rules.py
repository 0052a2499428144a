"""The protocol's screening rules, each at its boundary (PROTOCOL.md, Eligibility)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import protocol
from patients.models import Patient, ScreeningOutcome
from tests.factories import all_criteria_met, screen_patient


def _refusal(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        screen_patient(**kwargs)
    return caught.value.message_dict


def test_it_finds_a_patient_meeting_every_criterion_eligible(site_a, coordinator, frozen_today):
    patient = screen_patient(site=site_a, user=coordinator)

    assert patient.study_id == "03-001"
    assert patient.screening.outcome == ScreeningOutcome.ELIGIBLE
    assert patient.screening.failure_reason == ""
    assert patient.screening.answers.count() == len(protocol.ELIGIBILITY_CRITERIA)


def test_it_accepts_a_patient_of_18_at_consent(site_a, coordinator, frozen_today):
    patient = screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=2006,
        age_at_consent=18,
        consent_on=dt.date(2025, 3, 3),
    )

    assert patient.screening.is_eligible


def test_it_makes_a_patient_of_17_at_consent_a_screen_failure(site_a, coordinator, frozen_today):
    answers = {**all_criteria_met(), "INC_AGE": False}
    patient = screen_patient(
        site=site_a, user=coordinator, year_of_birth=2007, age_at_consent=17, answers=answers
    )

    assert patient.screening.outcome == ScreeningOutcome.SCREEN_FAILURE
    assert "Aged 18 years or more" in patient.screening.failure_reason


def test_it_refuses_an_age_criterion_met_by_a_patient_of_17(site_a, coordinator, frozen_today):
    errors = _refusal(site=site_a, user=coordinator, year_of_birth=2007, age_at_consent=17)

    assert "age at consent is 17" in errors["criterion_INC_AGE"][0]
    assert not Patient.objects.exists()


def test_it_refuses_an_age_that_the_year_of_birth_contradicts(site_a, coordinator, frozen_today):
    errors = _refusal(site=site_a, user=coordinator, year_of_birth=1960, age_at_consent=70)

    assert "64 or 65" in errors["age_at_consent"][0]


def test_it_accepts_consent_on_the_day_of_the_screening_visit(site_a, coordinator, frozen_today):
    day = dt.date(2025, 3, 4)
    patient = screen_patient(site=site_a, user=coordinator, consent_on=day, screened_on=day)

    assert patient.screening.is_eligible


def test_it_refuses_consent_one_day_after_the_screening_visit(site_a, coordinator, frozen_today):
    errors = _refusal(
        site=site_a,
        user=coordinator,
        consent_on=dt.date(2025, 3, 5),
        screened_on=dt.date(2025, 3, 4),
    )

    assert "must follow informed consent" in errors["screened_on"][0]
    assert not Patient.objects.exists()


def test_it_accepts_dates_of_today(site_a, coordinator, frozen_today):
    patient = screen_patient(
        site=site_a,
        user=coordinator,
        consent_on=frozen_today,
        screened_on=frozen_today,
        disease_status_on=frozen_today,
    )

    assert patient.screening.screened_on == frozen_today


def test_it_refuses_a_date_in_the_future(site_a, coordinator, frozen_today):
    tomorrow = frozen_today + dt.timedelta(days=1)
    errors = _refusal(site=site_a, user=coordinator, consent_on=frozen_today, screened_on=tomorrow)

    assert "in the future" in errors["screened_on"][0]


@pytest.mark.parametrize(
    "criterion",
    [c for c in protocol.ELIGIBILITY_CRITERIA if c.code != protocol.AGE_CRITERION_CODE],
    ids=lambda c: c.code,
)
def test_it_makes_any_failed_criterion_a_screen_failure_with_its_reason(
    site_a, coordinator, frozen_today, criterion
):
    answers = {**all_criteria_met(), criterion.code: not all_criteria_met()[criterion.code]}
    patient = screen_patient(site=site_a, user=coordinator, answers=answers)

    assert patient.screening.outcome == ScreeningOutcome.SCREEN_FAILURE
    assert criterion.text in patient.screening.failure_reason


def test_it_requires_every_criterion_to_be_answered(site_a, coordinator, frozen_today):
    answers = all_criteria_met()
    del answers["EXC_CNS"]
    errors = _refusal(site=site_a, user=coordinator, answers=answers)

    assert errors["criterion_EXC_CNS"] == ["Answer yes or no."]


def test_it_requires_baseline_disease_data_of_an_eligible_patient(
    site_a, coordinator, frozen_today
):
    errors = _refusal(site=site_a, user=coordinator, ecog=None, eln_risk="")

    assert errors["ecog"] == ["Required for an eligible patient."]
    assert errors["eln_risk"] == ["Required for an eligible patient."]


def test_it_lets_a_screen_failure_stop_short_of_baseline_data(site_a, coordinator, frozen_today):
    answers = {**all_criteria_met(), "EXC_APL": True}
    patient = screen_patient(
        site=site_a, user=coordinator, answers=answers, ecog=None, eln_risk="", wbc=None
    )

    assert patient.screening.outcome == ScreeningOutcome.SCREEN_FAILURE


def test_it_refuses_a_relapse_after_transplant_without_a_prior_transplant(
    site_a, coordinator, frozen_today
):
    errors = _refusal(
        site=site_a,
        user=coordinator,
        disease_status=protocol.DiseaseStatus.RELAPSE_AFTER_HSCT,
        prior_allo_hsct=False,
    )

    assert "implies a prior allo-HSCT" in errors["prior_allo_hsct"][0]


def test_it_refuses_a_relapse_dated_before_the_diagnosis(site_a, coordinator, frozen_today):
    errors = _refusal(
        site=site_a,
        user=coordinator,
        diagnosis_on=dt.date(2024, 1, 1),
        disease_status_on=dt.date(2023, 12, 31),
    )

    assert "cannot precede the diagnosis" in errors["disease_status_on"][0]


def test_it_refuses_an_unknown_mutation_result(site_a, coordinator, frozen_today):
    errors = _refusal(site=site_a, user=coordinator, mutations={"TP53": "maybe"})

    assert "mutation_TP53" in errors


def test_it_records_every_declared_gene_leaving_the_untested_as_not_tested(
    site_a, coordinator, frozen_today
):
    patient = screen_patient(site=site_a, user=coordinator, mutations={"TP53": "detected"})

    assert list(patient.screening.mutations) == list(protocol.MUTATION_GENES)
    assert patient.screening.mutations["TP53"] == "detected"
    assert patient.screening.mutations["IDH1"] == "not_tested"


def test_it_names_every_wrong_field_in_one_answer(site_a, coordinator, frozen_today):
    errors = _refusal(
        site=site_a,
        user=coordinator,
        ecog=7,
        marrow_blasts_pct="150",
        consent_on=dt.date(2025, 3, 5),
        screened_on=dt.date(2025, 3, 4),
    )

    assert {"ecog", "marrow_blasts_pct", "screened_on"} <= set(errors)
