"""Reads of blood counts for the exports and the analyses: every patient's cycles, counts,
platelet transfusions and death in four queries, whatever the number of patients."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import protocol
from labs.derivations import CycleCounts, Sample, cycle_counts
from labs.models import BloodCount, Transfusion, TransfusionProduct
from labs.windows import cycle_windows
from visits.models import OffStudy, TreatmentCycle


@dataclass(frozen=True)
class _Cycle:
    number: int
    started_on: dt.date


@dataclass
class LabCourse:
    """One patient's counts, by cycle, and what they tell (labs/derivations.py)."""

    patient_id: int
    cycles: list[_Cycle] = field(default_factory=list)
    counts: list[BloodCount] = field(default_factory=list)
    platelet_transfusions: list[dt.date] = field(default_factory=list)
    died_on: dt.date | None = None

    def cycle_started_on(self, number: int) -> dt.date | None:
        return next((c.started_on for c in self.cycles if c.number == number), None)

    @property
    def derived(self) -> list[CycleCounts]:
        """Each cycle's derived values, in cycle order (cycles without counts included)."""
        windows = cycle_windows(self.cycles)
        by_cycle: dict[int, list[Sample]] = defaultdict(list)
        for count in self.counts:
            by_cycle[count.cycle_number].append(
                Sample(count.sampled_on, count.anc, count.platelets)
            )
        return [
            cycle_counts(
                cycle_number=cycle.number,
                started_on=cycle.started_on,
                window_closes_on=windows[cycle.number].closes_on,
                samples=by_cycle[cycle.number],
                platelet_transfusions=self.platelet_transfusions,
                died_on=self.died_on,
            )
            for cycle in sorted(self.cycles, key=lambda c: c.number)
        ]


def lab_courses(
    *, patient_ids: Sequence[int] | None = None, cutoff: dt.date | None = None
) -> dict[int, LabCourse]:
    """Return the lab course of each patient with a cycle (those named, or all), with what
    was dated on or before the cut-off only."""
    cycles = TreatmentCycle.objects.order_by("patient_id", "number")
    counts = BloodCount.objects.order_by("patient_id", "sampled_on", "pk")
    transfusions = Transfusion.objects.filter(product=TransfusionProduct.PLATELETS)
    deaths = OffStudy.objects.filter(reason=protocol.OffStudyReason.DEATH)
    if patient_ids is not None:
        cycles, counts = (
            cycles.filter(patient_id__in=patient_ids),
            counts.filter(patient_id__in=patient_ids),
        )
        transfusions = transfusions.filter(patient_id__in=patient_ids)
        deaths = deaths.filter(patient_id__in=patient_ids)
    if cutoff is not None:
        cycles, counts = (
            cycles.filter(started_on__lte=cutoff),
            counts.filter(sampled_on__lte=cutoff),
        )
        transfusions = transfusions.filter(given_on__lte=cutoff)
        deaths = deaths.filter(event_on__lte=cutoff)
    courses: dict[int, LabCourse] = {}
    for patient_id, number, started_on in cycles.values_list("patient_id", "number", "started_on"):
        courses.setdefault(patient_id, LabCourse(patient_id)).cycles.append(
            _Cycle(number, started_on)
        )
    for count in counts:
        if count.patient_id in courses:
            courses[count.patient_id].counts.append(count)
    for patient_id, given_on in transfusions.values_list("patient_id", "given_on"):
        if patient_id in courses:
            courses[patient_id].platelet_transfusions.append(given_on)
    for patient_id, event_on in deaths.values_list("patient_id", "event_on"):
        if patient_id in courses:
            courses[patient_id].died_on = event_on
    return courses
