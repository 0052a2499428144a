"""Pharmacovigilance assesses each suspect drug: its causality beside the investigator's, and
the expectedness proposed from the RSI in force; a serious, related, unexpected reaction is a
SUSAR on its regulatory clock."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pharmacovigilance.classification import Expectedness, SponsorCausality
from pharmacovigilance.models import DrugAssessment, SponsorAssessment, Susar
from pharmacovigilance.services import sae_assess
from protocol.safety import SaeCausality
from tests.pharmacovigilance.conftest import EXPECTED_TERM, ONSET_ON, opinions, submit_sae
from tests.visits.builders import record_adverse_event


def test_it_proposes_unexpected_for_a_reaction_no_rsi_lists_and_makes_a_susar(
    sae, pharmacovigilance
):
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    rows = list(assessment.drugs.all())
    assert {r.drug for r in rows} >= {"amsacrine", "cytarabine"}
    assert all(r.proposed_expectedness == Expectedness.UNEXPECTED for r in rows)
    assert all(r.investigator_causality == SaeCausality.POSSIBLE for r in rows)
    susar = Susar.objects.get(assessment=assessment)
    assert susar.sponsor_received_at == sae.sponsor_received_at
    assert not susar.fatal_or_life_threatening


def test_a_reaction_the_rsi_lists_is_proposed_expected_and_no_susar(
    ic_patient, coordinator, investigator, pharmacovigilance
):
    report = submit_sae(ic_patient, coordinator, investigator, term=EXPECTED_TERM)

    assessment = sae_assess(report=report, user=pharmacovigilance, opinions=opinions(report))

    cytarabine = assessment.drugs.get(drug="cytarabine")
    assert cytarabine.proposed_expectedness == cytarabine.expectedness == Expectedness.EXPECTED
    assert not Susar.objects.exists()


def test_overriding_the_rsi_needs_a_reason(sae, pharmacovigilance):
    with pytest.raises(ValidationError) as refused:
        sae_assess(
            report=sae,
            user=pharmacovigilance,
            opinions=opinions(sae, expectedness=Expectedness.EXPECTED),
        )

    assert "cytarabine_expectedness_override" in refused.value.message_dict
    assert not SponsorAssessment.objects.exists()  # nothing half-saved

    reason = {"expectedness_override": "Drug-induced pneumonitis is in the 2025 SmPC draft."}
    assessment = sae_assess(
        report=sae,
        user=pharmacovigilance,
        opinions=opinions(
            sae,
            expectedness=Expectedness.EXPECTED,
            cytarabine=reason,
            amsacrine=reason,
            dexamethasone=reason,
        ),
    )
    assert assessment.drugs.get(drug="cytarabine").expectedness == Expectedness.EXPECTED
    assert not Susar.objects.exists()


def test_the_investigators_related_causality_is_kept_and_the_case_stays_a_susar(
    sae, pharmacovigilance
):
    with pytest.raises(ValidationError) as refused:
        sae_assess(
            report=sae,
            user=pharmacovigilance,
            opinions=opinions(sae, causality=SponsorCausality.NOT_RELATED),
        )
    assert "cytarabine_sponsor_disagreement" in refused.value.message_dict

    why = {
        "sponsor_causality": SponsorCausality.NOT_RELATED,
        "sponsor_disagreement": "Onset before the first dose of the cycle.",
    }
    assessment = sae_assess(
        report=sae,
        user=pharmacovigilance,
        opinions=opinions(sae, cytarabine=why, amsacrine=why, dexamethasone=why),
    )

    cytarabine = assessment.drugs.get(drug="cytarabine")
    assert cytarabine.investigator_causality == SaeCausality.POSSIBLE
    assert cytarabine.sponsor_causality == SponsorCausality.NOT_RELATED
    assert cytarabine.sponsor_disagreement == "Onset before the first dose of the cycle."
    # ICH E2A: the sponsor may not downgrade it; the case is still related, hence a SUSAR.
    assert Susar.objects.filter(assessment=assessment, withdrawn_at__isnull=True).exists()


def test_an_unrelated_case_by_both_is_no_susar(
    ic_patient, coordinator, investigator, pharmacovigilance
):
    report = submit_sae(ic_patient, coordinator, investigator, causality=SaeCausality.UNLIKELY)

    sae_assess(
        report=report,
        user=pharmacovigilance,
        opinions=opinions(report, causality=SponsorCausality.NOT_RELATED),
    )

    assert not Susar.objects.exists()


def test_every_suspect_drug_needs_the_sponsors_causality(sae, pharmacovigilance):
    partial = [o for o in opinions(sae) if o.drug != "amsacrine"]

    with pytest.raises(ValidationError) as refused:
        sae_assess(report=sae, user=pharmacovigilance, opinions=partial)

    assert "amsacrine_sponsor_causality" in refused.value.message_dict
    assert not DrugAssessment.objects.exists()


@pytest.mark.parametrize(
    "role_fixture",
    ["coordinator", "investigator", "data_manager", "sponsor", "statistician", "dmc"],
)
def test_every_other_role_is_refused(request, sae, role_fixture):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(PermissionDenied):
        sae_assess(report=sae, user=user, opinions=opinions(sae))

    assert not SponsorAssessment.objects.exists()


def test_nothing_to_assess_before_the_site_submits(ic_patient, coordinator, pharmacovigilance):
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON, term="Pneumonitis")

    with pytest.raises(ValidationError) as refused:
        sae_assess(report=event.sae_report, user=pharmacovigilance, opinions=[])

    assert "initial report" in str(refused.value)
