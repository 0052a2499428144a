"""The columns of the line listing of serious adverse events, declared once for the page and
the CSV (CDISC-style names for the CSV header, labels for the page), so both show the same.

The arm and the relatedness to dexamethasone ("not applicable" is the control arm's answer)
reveal the arm: a pooled listing leaves them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext, gettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

import protocol
from endpoints.safety_rows import SafetyEvent

_ARMS = dict(protocol.Arm.choices)
_RELATEDNESS = dict(protocol.Relatedness.choices)
_ACTIONS = dict(protocol.ActionTaken.choices)


@dataclass(frozen=True)
class ListingColumn:
    name: str  # the CSV header
    label: StrOrPromise  # the page's header, in the reader's language
    value: Callable[[SafetyEvent, dt.date], StrOrPromise | int]
    reveals_arm: bool = False
    # Pharmacovigilance's SUSAR state: for the accounts that follow SAEs trial-wide.
    sponsor_safety: bool = False
    # The page's cell where it differs from the CSV's (which stays English and coded): the
    # term and its class in the reader's language, dates dd/mm/yyyy, Yes/No.
    shown: Callable[[SafetyEvent, dt.date], StrOrPromise | int] | None = None

    def page_value(self, event: SafetyEvent, cutoff: dt.date) -> StrOrPromise | int:
        return (self.shown or self.value)(event, cutoff)


def _received(event: SafetyEvent, cutoff: dt.date) -> str:
    received = event.sae_received_at
    return received.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ") if received else ""


def _resolved(event: SafetyEvent, cutoff: dt.date) -> str:
    resolved = event.resolved_by(cutoff)
    return resolved.isoformat() if resolved else ""


def _resolved_shown(event: SafetyEvent, cutoff: dt.date) -> str:
    resolved = event.resolved_by(cutoff)
    return f"{resolved:%d/%m/%Y}" if resolved else ""


LISTING_COLUMNS: tuple[ListingColumn, ...] = (
    ListingColumn("USUBJID", gettext_lazy("Study ID"), lambda e, c: e.study_id),
    ListingColumn("SITEID", gettext_lazy("Site"), lambda e, c: e.site),
    ListingColumn(
        "ARM", gettext_lazy("Arm"), lambda e, c: _ARMS.get(e.arm, e.arm), reveals_arm=True
    ),
    ListingColumn(
        "AEDECOD",
        gettext_lazy("Term"),
        lambda e, c: e.preferred_term,
        shown=lambda e, c: gettext(e.preferred_term),
    ),
    ListingColumn(
        "AEBODSYS",
        gettext_lazy("System organ class"),
        lambda e, c: e.system_organ_class,
        shown=lambda e, c: gettext(e.system_organ_class),
    ),
    ListingColumn("AETOXGR", gettext_lazy("Grade"), lambda e, c: e.grade),
    ListingColumn(
        "AESTDTC",
        gettext_lazy("Onset"),
        lambda e, c: e.onset_on.isoformat(),
        shown=lambda e, c: f"{e.onset_on:%d/%m/%Y}",
    ),
    ListingColumn("AEENDTC", gettext_lazy("Resolved"), _resolved, shown=_resolved_shown),
    ListingColumn("AEOUT", gettext_lazy("Outcome at the cut-off"), lambda e, c: e.outcome(c)),
    ListingColumn(
        "AERELDEX",
        gettext_lazy("Related to dexamethasone"),
        lambda e, c: _RELATEDNESS.get(e.related_to_dexamethasone, e.related_to_dexamethasone),
        reveals_arm=True,
    ),
    ListingColumn(
        "AERELSAL",
        gettext_lazy("Related to salvage therapy"),
        lambda e, c: _RELATEDNESS.get(e.related_to_salvage, e.related_to_salvage),
    ),
    ListingColumn(
        "AEACN", gettext_lazy("Action taken"), lambda e, c: _ACTIONS.get(e.action_taken, "")
    ),
    ListingColumn(
        "TRTEMFL",
        gettext_lazy("TEAE"),
        lambda e, c: "Y" if e.treatment_emergent else "N",
        shown=lambda e, c: gettext("Yes") if e.treatment_emergent else gettext("No"),
    ),
    ListingColumn("SAEREPORT", gettext_lazy("SAE report"), lambda e, c: e.sae_report),
    ListingColumn("SAERCVDTM", gettext_lazy("Sponsor received (UTC)"), _received),
    ListingColumn("SUSAR", gettext_lazy("SUSAR"), lambda e, c: e.susar, sponsor_safety=True),
)


def listing_columns(*, by_arm: bool, sponsor_safety: bool) -> tuple[ListingColumn, ...]:
    return tuple(
        c
        for c in LISTING_COLUMNS
        if (by_arm or not c.reveals_arm) and (sponsor_safety or not c.sponsor_safety)
    )
