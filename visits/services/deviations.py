"""Protocol deviations the system finds: recorded and listed, never blocking an entry."""

from __future__ import annotations

from django.utils import timezone

import protocol
from patients.models import Patient, Screening
from visits.models import ProtocolDeviation, TreatmentCycle
from visits.state import PatientRecords


def cycle_deviations_check(records: PatientRecords, cycle: TreatmentCycle) -> None:
    """Record (or mark corrected) the dexamethasone deviations of a cycle; never blocks."""
    in_dex_arm = records.randomization.arm == protocol.DEXAMETHASONE_ARM
    expected = {
        ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL: not in_dex_arm and cycle.dexamethasone_given,
        ProtocolDeviation.Kind.DEX_MISSING: in_dex_arm and not cycle.dexamethasone_given,
    }
    for kind, applies in expected.items():
        existing = ProtocolDeviation.objects.filter(cycle=cycle, kind=kind).first()
        if applies and existing is None:
            ProtocolDeviation.objects.create(
                patient=records.patient,
                cycle=cycle,
                kind=kind,
                description=f"Cycle {cycle.number} started {cycle.started_on:%d/%m/%Y}: "
                f"{kind.label.lower()}.",
            )
        elif applies and existing is not None and existing.corrected_at is not None:
            existing.corrected_at = None
            existing.save(update_fields=["corrected_at", "updated_at"])
        elif not applies and existing is not None and existing.corrected_at is None:
            existing.corrected_at = timezone.now()
            existing.save(update_fields=["corrected_at", "updated_at"])


def deviation_randomized_ineligible_check(*, patient: Patient) -> None:
    """A correction showing a randomized patient was not eligible is a protocol deviation:
    recorded (the patient stays in the intention-to-treat analysis), never hidden; a later
    correction making the patient eligible again marks it corrected."""
    screening = Screening.objects.get(patient=patient)
    kind = ProtocolDeviation.Kind.RANDOMIZED_INELIGIBLE
    open_deviation = ProtocolDeviation.objects.filter(
        patient=patient, kind=kind, corrected_at__isnull=True
    ).first()
    if not screening.is_eligible and open_deviation is None:
        ProtocolDeviation.objects.create(
            patient=patient,
            kind=kind,
            description=f"Randomized, but the corrected screening says: "
            f"{screening.failure_reason.splitlines()[0]}",
        )
    elif screening.is_eligible and open_deviation is not None:
        open_deviation.corrected_at = timezone.now()
        open_deviation.save(update_fields=["corrected_at", "updated_at"])
