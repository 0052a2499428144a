"""The rules that read one adverse event for the safety tables (its preferred term and class,
relatedness, severity), and the event as the SAE listing shows it, read at a cut-off
(endpoints.safety_selectors). The tables count with the same rules in SQL
(endpoints.safety_counts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

import protocol
from visits.ctcae import CTCAE_TERMS, OTHER_SPECIFY

# Stored and compared in English; the page shows it through the `result_label` filter.
OTHER_SOC = gettext_noop("Other (SOC not coded)")
RELATED = frozenset(
    {protocol.Relatedness.POSSIBLE, protocol.Relatedness.PROBABLE, protocol.Relatedness.DEFINITE}
)
SEVERE_GRADE = 3
# Exposure runs until 30 days after the end of treatment (the TEAE window's default).
EXPOSURE_AFTER_TREATMENT = dt.timedelta(days=30)
_SOC_OF: dict[str, str] = {term.name: term.system_organ_class for term in CTCAE_TERMS}


def preferred_term_of(term: str, term_specified: str) -> str:
    """Return the MedDRA preferred term an event counts under: the CTCAE term, or for an
    "Other, specify" event the term specified."""
    if term == OTHER_SPECIFY:
        return term_specified.strip() or OTHER_SPECIFY
    return term


def system_organ_class_of(term: str) -> str:
    """Return the class of a CTCAE term; "Other (SOC not coded)" for "Other, specify"."""
    return _SOC_OF.get(term, OTHER_SOC)


@dataclass(frozen=True)
class SafetyEvent:
    """An adverse event as the tables and the listing read it."""

    adverse_event_id: int
    study_id: str
    site: str
    arm: str  # "" in a pooled listing
    term: str
    term_specified: str
    grade: int
    serious: bool
    onset_on: dt.date
    resolved_on: dt.date | None
    related_to_dexamethasone: str  # "" in a pooled listing: "not applicable" tells the arm
    related_to_salvage: str
    action_taken: str
    treatment_emergent: bool
    sae_report: str = ""  # the SAE report's latest version and its status
    sae_received_at: dt.datetime | None = None  # initial report submitted: sponsor aware
    susar: str = ""

    @property
    def preferred_term(self) -> str:
        return preferred_term_of(self.term, self.term_specified)

    @property
    def system_organ_class(self) -> str:
        return system_organ_class_of(self.term)

    @property
    def related(self) -> bool:
        """Related to dexamethasone: possible, probable or definite."""
        return self.related_to_dexamethasone in RELATED

    @property
    def related_salvage(self) -> bool:
        return self.related_to_salvage in RELATED

    @property
    def fatal(self) -> bool:
        return self.grade == protocol.FATAL_GRADE

    @property
    def severe(self) -> bool:
        return self.grade >= SEVERE_GRADE

    @property
    def drug_withdrawn(self) -> bool:
        return self.action_taken == protocol.ActionTaken.WITHDRAWN

    def outcome(self, cutoff: dt.date) -> str:
        """Return the outcome known at the cut-off: fatal, resolved, or not resolved."""
        if not self.resolved_by(cutoff):
            # A fatal event ends on the death: after the cut-off here.
            return gettext("Not resolved")
        return gettext("Fatal") if self.fatal else gettext("Resolved")

    def resolved_by(self, cutoff: dt.date) -> dt.date | None:
        return self.resolved_on if self.resolved_on and self.resolved_on <= cutoff else None
