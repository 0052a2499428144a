"""SUSAR = serious + related (investigator or sponsor) + unexpected, for at least one suspect
drug (ICH E2A). Every combination of the four facts for one drug, then two drugs."""

from __future__ import annotations

import itertools

import pytest

from pharmacovigilance.classification import (
    DrugJudgement,
    Expectedness,
    SponsorCausality,
    investigator_finds_related,
    is_susar,
    susar_drugs,
)
from protocol.safety import SaeCausality

INVESTIGATOR_RELATED = [SaeCausality.POSSIBLE, SaeCausality.PROBABLE, SaeCausality.DEFINITE]
INVESTIGATOR_NOT_RELATED = [SaeCausality.NOT_RELATED, SaeCausality.UNLIKELY]


@pytest.mark.parametrize(
    ("causality", "related"),
    [(c, True) for c in INVESTIGATOR_RELATED]
    + [(c, False) for c in INVESTIGATOR_NOT_RELATED]
    + [(SaeCausality.NOT_GIVEN, False)],
)
def test_it_reads_possible_probable_definite_as_a_reasonable_possibility(causality, related):
    assert investigator_finds_related(causality) is related


TABLE = list(
    itertools.product(
        [True, False],  # serious
        INVESTIGATOR_RELATED + INVESTIGATOR_NOT_RELATED,
        list(SponsorCausality),
        list(Expectedness),
    )
)


@pytest.mark.parametrize(("serious", "investigator", "sponsor", "expectedness"), TABLE)
def test_it_classifies_every_combination(serious, investigator, sponsor, expectedness):
    judgement = DrugJudgement(
        drug="dexamethasone",
        investigator_causality=investigator,
        sponsor_causality=sponsor,
        expectedness=expectedness,
    )
    related = investigator in INVESTIGATOR_RELATED or sponsor == SponsorCausality.RELATED
    expected = serious and related and expectedness == Expectedness.UNEXPECTED

    assert is_susar(serious=serious, judgements=[judgement]) is expected


def test_the_table_covers_all_forty_combinations():
    assert len(TABLE) == 2 * 5 * 2 * 2


def test_the_sponsors_not_related_does_not_downgrade_the_investigators_related():
    judgement = DrugJudgement(
        drug="cytarabine",
        investigator_causality=SaeCausality.PROBABLE,
        sponsor_causality=SponsorCausality.NOT_RELATED,
        expectedness=Expectedness.UNEXPECTED,
    )
    assert judgement.related
    assert is_susar(serious=True, judgements=[judgement])


def test_the_sponsor_alone_may_find_a_drug_related():
    judgement = DrugJudgement(
        drug="azacitidine",
        investigator_causality=SaeCausality.UNLIKELY,
        sponsor_causality=SponsorCausality.RELATED,
        expectedness=Expectedness.UNEXPECTED,
    )
    assert is_susar(serious=True, judgements=[judgement])


def test_one_related_unexpected_drug_among_several_is_enough_and_is_named():
    expected_related = DrugJudgement(
        "cytarabine", SaeCausality.DEFINITE, SponsorCausality.RELATED, Expectedness.EXPECTED
    )
    unexpected_unrelated = DrugJudgement(
        "amsacrine", SaeCausality.NOT_RELATED, SponsorCausality.NOT_RELATED, Expectedness.UNEXPECTED
    )
    unexpected_related = DrugJudgement(
        "dexamethasone", SaeCausality.POSSIBLE, SponsorCausality.RELATED, Expectedness.UNEXPECTED
    )

    # Related to one drug and unexpected for another is not a SUSAR: both must be one drug's.
    assert not is_susar(serious=True, judgements=[expected_related, unexpected_unrelated])
    assert susar_drugs(
        serious=True, judgements=[expected_related, unexpected_unrelated, unexpected_related]
    ) == ("dexamethasone",)


def test_no_suspect_drug_is_no_susar():
    assert not is_susar(serious=True, judgements=[])
