"""What the assessment page and the CIOMS-I report show of one SAE case: the report as last
submitted, the suspect drugs with both opinions and the RSI in force, the treatment, the
concomitant drugs and the relevant history. Nothing that identifies the patient beyond the
study ID: sex and age in years only (no initials, no birth date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from medications.models import ConcomitantMedication
from pharmacovigilance.classification import Expectedness, investigator_finds_related
from pharmacovigilance.models import DrugAssessment, ReferenceSafetyInformation, SponsorAssessment
from pharmacovigilance.selectors import (
    event_term,
    expectedness_proposed,
    latest_submitted_version,
    reaction_listed,
    rsi_in_force,
    suspect_drugs_of,
)
from protocol import Drug
from protocol.safety import SaeCausality, SeriousnessCriterion
from safety.models import SaeReport, SaeReportVersion
from visits.doses import DOSE_FIELDS
from visits.models import TreatmentCycle


@dataclass(frozen=True)
class SuspectDrugLine:
    """One suspect drug: the investigator's opinion as reported, the RSI in force today and
    what it proposes, and the sponsor's current assessment of it (if any)."""

    drug: Drug
    investigator_causality: str
    rsi: ReferenceSafetyInformation | None
    proposed: Expectedness | None
    listed_as: str
    assessed: DrugAssessment | None
    doses: list[tuple[dt.date, dt.date | None, Decimal]]

    @property
    def investigator_label(self) -> str:
        return str(SaeCausality(self.investigator_causality).label)

    @property
    def investigator_related(self) -> bool:
        return investigator_finds_related(self.investigator_causality)


@dataclass(frozen=True)
class CaseFile:
    report: SaeReport
    version: SaeReportVersion | None
    assessment: SponsorAssessment | None
    drugs: list[SuspectDrugLine]
    age_years: int | None
    cycles: list[TreatmentCycle]
    concomitant: list[ConcomitantMedication]

    @property
    def seriousness(self) -> list[str]:
        if self.version is None:
            return []
        return [str(c.label) for c in SeriousnessCriterion if getattr(self.version, c.value)]

    @property
    def term(self) -> str:
        return event_term(self.report.adverse_event)[0]


def age_in_years(report: SaeReport) -> int | None:
    """Return the age at the event's onset, whole years: the age at consent plus the whole
    years since (the CIOMS form asks for an age, never a birth date)."""
    screening = getattr(report.patient, "screening", None)
    if screening is None:
        return None
    onset, consent = report.adverse_event.onset_on, screening.consent_on
    years = onset.year - consent.year - ((onset.month, onset.day) < (consent.month, consent.day))
    return screening.age_at_consent + max(years, 0)


def _doses(
    cycles: list[TreatmentCycle], drug: Drug
) -> list[tuple[dt.date, dt.date | None, Decimal]]:
    """Return (started, ended, total dose) of each cycle that gave the drug."""
    field = DOSE_FIELDS[drug]
    return [
        (c.started_on, c.ended_on, getattr(c, field))
        for c in cycles
        if getattr(c, field) and (drug is not Drug.DEXAMETHASONE or c.dexamethasone_given)
    ]


def case_file(report: SaeReport, *, today: dt.date | None = None) -> CaseFile:
    """Return everything the assessor reads about the case, the RSI in force `today`."""
    today = today or timezone.localdate()
    version = latest_submitted_version(report)
    assessment = (
        SponsorAssessment.objects.filter(report=report)
        .prefetch_related("drugs__rsi")
        .select_related("assessed_by")
        .first()
    )
    assessed = {row.drug: row for row in assessment.drugs.all()} if assessment else {}
    onset = report.adverse_event.onset_on
    cycles = list(
        TreatmentCycle.objects.filter(patient=report.patient, started_on__lte=onset).order_by(
            "started_on"
        )
    )
    term, soc = event_term(report.adverse_event)
    lines = []
    for drug, causality in (suspect_drugs_of(version) if version else {}).items():
        rsi = rsi_in_force(drug, on=today)
        listed = (
            reaction_listed(rsi.expected_reactions.all(), term=term, system_organ_class=soc)
            if rsi
            else None
        )
        lines.append(
            SuspectDrugLine(
                drug=Drug(drug),
                investigator_causality=causality,
                rsi=rsi,
                proposed=expectedness_proposed(rsi, report.adverse_event) if rsi else None,
                listed_as=str(listed) if listed else "",
                assessed=assessed.get(drug),
                doses=_doses(cycles, Drug(drug)),
            )
        )
    concomitant = list(
        ConcomitantMedication.objects.filter(patient=report.patient, started_on__lte=onset)
        .exclude(stopped_on__lt=onset)
        .order_by("started_on")
    )
    return CaseFile(
        report=report,
        version=version,
        assessment=assessment,
        drugs=lines,
        age_years=age_in_years(report),
        cycles=cycles,
        concomitant=concomitant,
    )
