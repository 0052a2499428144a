"""Reads for the safety tables: the safety population and the adverse events at a cut-off,
for the sites an account sees, in two queries whatever the number of patients."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import sites_visible_to
from endpoints.safety_rows import SafetyEvent, SafetyPatient
from patients.models import Patient
from safety.models import SaeReportVersion
from visits.models import AdverseEvent, TreatmentCycle
from visits.treatment_emergence import treatment_emergent

# Pharmacovigilance's SUSAR of the event's SAE report, if any (one per assessed report).
_SUSAR = "sae_report__sponsor_assessment__susar"


def safety_population(*, user: User, cutoff: dt.date) -> list[SafetyPatient]:
    """Return the randomized patients of the visible sites with a cycle started on or
    before the cut-off."""
    cycles = TreatmentCycle.objects.filter(patient=OuterRef("pk"), started_on__lte=cutoff)
    patients = (
        Patient.objects.filter(randomization__isnull=False, site__in=sites_visible_to(user))
        .annotate(
            first_dose_on=Subquery(cycles.order_by("started_on").values("started_on")[:1]),
            dexamethasone_received=Exists(cycles.filter(dexamethasone_given=True)),
        )
        .filter(first_dose_on__isnull=False)
        .select_related("site", "randomization", "end_of_treatment", "off_study")
    )
    return [_patient(p) for p in patients]


def _patient(patient: Patient) -> SafetyPatient:
    end = getattr(patient, "end_of_treatment", None)
    off = getattr(patient, "off_study", None)
    return SafetyPatient(
        study_id=patient.study_id,
        site=patient.site.code,
        arm=patient.randomization.arm,
        first_dose_on=patient.first_dose_on,  # type: ignore[attr-defined]
        end_of_treatment_on=end.ended_on if end else None,
        end_of_treatment_reason=end.reason if end else "",
        left_study_on=off.event_on if off else None,
        dexamethasone_received=patient.dexamethasone_received,  # type: ignore[attr-defined]
    )


def adverse_events(*, user: User, cutoff: dt.date) -> list[SafetyEvent]:
    """Return the adverse events of the randomized patients of the visible sites with
    onset on or before the cut-off, with their TEAE flag, their SAE report's state (its
    latest version) and its SUSAR state, as they stand today."""
    versions = SaeReportVersion.objects.filter(report__adverse_event=OuterRef("pk")).order_by(
        "-number"
    )
    events = (
        AdverseEvent.objects.filter(
            onset_on__lte=cutoff,
            patient__randomization__isnull=False,
            patient__site__in=sites_visible_to(user),
        )
        .annotate(
            teae=treatment_emergent(),
            sae_version=Subquery(versions.values("number")[:1]),
            sae_status=Subquery(versions.values("status")[:1]),
            sae_received_at=F("sae_report__sponsor_received_at"),
            susar_classified_at=F(f"{_SUSAR}__classified_at"),
            susar_withdrawn_at=F(f"{_SUSAR}__withdrawn_at"),
            susar_reported_at=F(f"{_SUSAR}__reported_at"),
        )
        .select_related("patient__site", "patient__randomization")
        .order_by("patient__site__number", "patient__sequence", "onset_on", "pk")
    )
    return [_event(e) for e in events]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _susar(event: AdverseEvent) -> str:
    """Return the SUSAR state of the event's case: '' when pharmacovigilance found none."""
    if event.susar_classified_at is None:  # type: ignore[attr-defined]
        return ""
    if event.susar_withdrawn_at is not None:  # type: ignore[attr-defined]
        withdrawn = _utc(event.susar_withdrawn_at)  # type: ignore[attr-defined]
        return _("SUSAR withdrawn %(at)s") % {"at": withdrawn}
    if event.susar_reported_at is not None:  # type: ignore[attr-defined]
        reported = _utc(event.susar_reported_at)  # type: ignore[attr-defined]
        return _("SUSAR reported %(at)s") % {"at": reported}
    return _("SUSAR, not yet reported to the regulators")


def _sae_report(version: int | None, status: str | None) -> str:
    if version is None or status is None:
        return ""
    label = (
        _("initial report") if version == 0 else _("follow-up %(version)s") % {"version": version}
    )
    return _("%(report)s: %(status)s") % {
        "report": label,
        "status": str(SaeReportVersion.Status(status).label).lower(),
    }


def _event(event: AdverseEvent) -> SafetyEvent:
    return SafetyEvent(
        adverse_event_id=event.pk,
        study_id=event.patient.study_id,
        site=event.patient.site.code,
        arm=event.patient.randomization.arm,
        term=event.term,
        term_specified=event.term_specified,
        grade=event.grade,
        serious=event.serious,
        onset_on=event.onset_on,
        resolved_on=event.resolved_on,
        related_to_dexamethasone=event.related_to_dexamethasone,
        related_to_salvage=event.related_to_salvage,
        action_taken=event.action_taken,
        treatment_emergent=event.teae,  # type: ignore[attr-defined]
        sae_report=_sae_report(event.sae_version, event.sae_status),  # type: ignore[attr-defined]
        sae_received_at=event.sae_received_at,  # type: ignore[attr-defined]
        susar=_susar(event),
    )
