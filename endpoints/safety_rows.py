"""The plain rows the safety tables are computed from: a patient of the safety population
and an adverse event, as read at a cut-off (endpoints.safety_selectors), with the rules that
read one row (preferred term and its class, relatedness, exposure)."""

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


@dataclass(frozen=True)
class SafetyPatient:
    """A patient of the safety population, as read at the cut-off."""

    study_id: str
    site: str
    arm: str
    first_dose_on: dt.date
    end_of_treatment_on: dt.date | None = None
    end_of_treatment_reason: str = ""
    left_study_on: dt.date | None = None  # death, withdrawal, lost to follow-up, ...
    dexamethasone_received: bool = False

    def exposure_ends_on(self, cutoff: dt.date) -> dt.date:
        """Return the last day of exposure: 30 days after the end of treatment, or the
        cut-off, or the day the patient left the study (death included), whichever first."""
        ends = [cutoff]
        if self.end_of_treatment_on and self.end_of_treatment_on <= cutoff:
            ends.append(self.end_of_treatment_on + EXPOSURE_AFTER_TREATMENT)
        if self.left_study_on and self.left_study_on <= cutoff:
            ends.append(self.left_study_on)
        return max(min(ends), self.first_dose_on)

    def exposure_days(self, cutoff: dt.date) -> int:
        return (self.exposure_ends_on(cutoff) - self.first_dose_on).days + 1

    def ended_for_toxicity(self, cutoff: dt.date) -> bool:
        return (
            self.end_of_treatment_reason == protocol.EndOfTreatmentReason.TOXICITY
            and self.end_of_treatment_on is not None
            and self.end_of_treatment_on <= cutoff
        )


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
        if self.term == OTHER_SPECIFY:
            return self.term_specified.strip() or OTHER_SPECIFY
        return self.term

    @property
    def system_organ_class(self) -> str:
        return _SOC_OF.get(self.term, OTHER_SOC)

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
