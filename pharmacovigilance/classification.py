"""Which serious adverse events are SUSARs: a pure function of the two causality opinions and
the expectedness, drug by drug (ICH E2A; EU CT Regulation 536/2014, article 42).

A SUSAR is a Suspected Unexpected Serious Adverse Reaction: the event is serious, at least one
suspect drug is related to it in the opinion of the investigator *or* of the sponsor, and that
same drug's reaction is not among the expected reactions of its reference safety information.
"Related" here is ICH E2A's "reasonable possibility": the investigator's possible, probable or
definite. The sponsor may not downgrade a related investigator opinion: when the sponsor finds
it not related, both opinions are kept and reported, and the case stays related.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from protocol.safety import SaeCausality


class SponsorCausality(models.TextChoices):
    """The sponsor's opinion of one suspect drug: ICH E2A's binary question."""

    RELATED = "related", _("Related (reasonable possibility)")
    NOT_RELATED = "not_related", _("Not related")


class Expectedness(models.TextChoices):
    """Whether the reaction is listed in the drug's reference safety information in force."""

    EXPECTED = "expected", _("Expected (listed in the RSI)")
    UNEXPECTED = "unexpected", _("Unexpected (not listed in the RSI)")


# The investigator's judgements that say there is a reasonable possibility of a causal link.
INVESTIGATOR_RELATED = frozenset(
    {SaeCausality.POSSIBLE.value, SaeCausality.PROBABLE.value, SaeCausality.DEFINITE.value}
)


def investigator_finds_related(causality: str) -> bool:
    """Return True when the investigator's causality is a reasonable possibility
    (possible, probable, definite); not related, unlikely and not given are not."""
    return causality in INVESTIGATOR_RELATED


@dataclass(frozen=True)
class DrugJudgement:
    """Both opinions on one suspect drug the patient received, and its expectedness."""

    drug: str
    investigator_causality: str
    sponsor_causality: str
    expectedness: str

    @property
    def related(self) -> bool:
        """Related if either opinion says so: the sponsor's 'not related' never removes the
        investigator's 'related' (ICH E2A)."""
        return (
            investigator_finds_related(self.investigator_causality)
            or self.sponsor_causality == SponsorCausality.RELATED
        )

    @property
    def unexpected(self) -> bool:
        return self.expectedness == Expectedness.UNEXPECTED

    @property
    def suspected_unexpected(self) -> bool:
        return self.related and self.unexpected


def susar_drugs(*, serious: bool, judgements: Iterable[DrugJudgement]) -> tuple[str, ...]:
    """Return the drugs that make the event a SUSAR (related and unexpected); none when it
    is not serious."""
    if not serious:
        return ()
    return tuple(j.drug for j in judgements if j.suspected_unexpected)


def is_susar(*, serious: bool, judgements: Iterable[DrugJudgement]) -> bool:
    """Return True for a serious event with at least one related, unexpected suspect drug."""
    return bool(susar_drugs(serious=serious, judgements=judgements))
