"""The reference safety information is versioned data: the version in force on the day of the
sponsor's assessment decides the proposed expectedness, and stays attached to the assessment."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from pharmacovigilance.classification import Expectedness
from pharmacovigilance.models import ExpectedReaction, ReferenceSafetyInformation, Susar
from pharmacovigilance.selectors import rsi_in_force
from pharmacovigilance.services import sae_assess
from protocol.safety import SUSPECT_DRUGS
from tests.pharmacovigilance.conftest import UNEXPECTED_TERM, opinions
from visits.ctcae import CTCAE_TERM_NAMES, CTCAE_TERMS

NEW_SMPC_FROM = dt.date(2025, 6, 10)


@pytest.fixture
def cytarabine_rsi_2025(db):
    """A new cytarabine SmPC, in force from 10 June 2025, that lists pneumonitis."""
    rsi = ReferenceSafetyInformation.objects.create(
        drug="cytarabine",
        document="SmPC Cytarabine Hospira 100 mg/ml, rev. 2025-05",
        effective_from=NEW_SMPC_FROM,
    )
    ExpectedReaction.objects.create(rsi=rsi, term=UNEXPECTED_TERM)
    return rsi


def test_the_four_suspect_drugs_have_their_rsi_seeded_in_ctcae_terms(db):
    for drug in SUSPECT_DRUGS:
        rsi = rsi_in_force(drug, on=dt.date(2025, 6, 2))
        assert rsi is not None, drug
        reactions = list(rsi.expected_reactions.all())
        assert reactions
        classes = {t.system_organ_class for t in CTCAE_TERMS}
        for reaction in reactions:
            assert reaction.term in CTCAE_TERM_NAMES or reaction.system_organ_class in classes


def test_the_corticosteroid_reactions_are_expected_for_dexamethasone(db):
    rsi = rsi_in_force("dexamethasone", on=dt.date(2025, 6, 2))
    assert rsi is not None
    terms = {r.term for r in rsi.expected_reactions.all()}
    classes = {r.system_organ_class for r in rsi.expected_reactions.all()}
    assert {"Hyperglycemia", "Hypokalemia", "Gastrointestinal hemorrhage"} <= terms
    assert {"Infections and infestations", "Psychiatric disorders"} <= classes


def test_the_version_in_force_is_the_latest_effective_on_the_day(cytarabine_rsi_2025):
    before = rsi_in_force("cytarabine", on=NEW_SMPC_FROM - dt.timedelta(days=1))
    assert before is not None and before.document.endswith("rev. 2023-09")
    assert rsi_in_force("cytarabine", on=NEW_SMPC_FROM) == cytarabine_rsi_2025
    assert rsi_in_force("cytarabine", on=dt.date(2023, 8, 31)) is None


def test_an_assessment_made_before_the_new_smpc_uses_the_old_one(
    sae, pharmacovigilance, cytarabine_rsi_2025
):
    assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    cytarabine = assessment.drugs.get(drug="cytarabine")
    assert cytarabine.rsi.document.endswith("rev. 2023-09")
    assert cytarabine.proposed_expectedness == Expectedness.UNEXPECTED
    assert Susar.objects.exists()


def test_an_assessment_made_once_the_new_smpc_is_in_force_uses_it(
    sae, pharmacovigilance, cytarabine_rsi_2025
):
    # The event and the report predate the new SmPC; the assessment date decides.
    with time_machine.travel(dt.datetime(2025, 6, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        assessment = sae_assess(report=sae, user=pharmacovigilance, opinions=opinions(sae))

    cytarabine = assessment.drugs.get(drug="cytarabine")
    assert cytarabine.rsi == cytarabine_rsi_2025
    assert cytarabine.proposed_expectedness == Expectedness.EXPECTED
    # Amsacrine's RSI does not list pneumonitis: still a SUSAR, for amsacrine.
    assert assessment.drugs.get(drug="amsacrine").expectedness == Expectedness.UNEXPECTED
    assert Susar.objects.exists()
