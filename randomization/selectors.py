"""Reads about randomization: balance by stratum and the used allocation sequence."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

import protocol
from randomization.models import Randomization, Stratum


@dataclass(frozen=True)
class StratumBalance:
    label: str
    dex: int
    control: int

    @property
    def total(self) -> int:
        return self.dex + self.control

    @property
    def imbalance(self) -> int:
        return abs(self.dex - self.control)


@dataclass(frozen=True)
class BalanceReport:
    strata: list[StratumBalance]
    overall: StratumBalance

    @property
    def largest_imbalance(self) -> int:
        return max((s.imbalance for s in self.strata), default=0)


def balance_report() -> BalanceReport:
    """Return counts by arm per stratum and overall, in one query."""
    rows = Stratum.objects.annotate(
        dex=Count("randomizations", filter=Q(randomizations__arm=protocol.Arm.DEX)),
        control=Count("randomizations", filter=Q(randomizations__arm=protocol.Arm.CONTROL)),
    ).order_by("key")
    strata = [StratumBalance(s.label, s.dex, s.control) for s in rows]
    overall = StratumBalance(
        _("All strata"), sum(s.dex for s in strata), sum(s.control for s in strata)
    )
    return BalanceReport(strata=strata, overall=overall)


def used_allocation_sequence() -> QuerySet[Randomization]:
    """Return every allocation given so far, stratum by stratum, with its slot.

    Unused slots are never returned: they stay concealed even from the statistician.
    """
    return Randomization.objects.select_related(
        "patient", "stratum", "slot", "randomized_by"
    ).order_by("stratum__key", "sequence")
