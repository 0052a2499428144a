"""Reads of the concomitant medications: the rows of the ADCM-style analysis dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_noop

from medications import drugs, services
from medications.models import ConcomitantMedication
from refusals.translatable import ChoiceLabel, QueryText


@dataclass(frozen=True)
class AdcmRow:
    """One medication of a randomized patient, with its days and flags at the cut-off."""

    medication: ConcomitantMedication
    randomized_on: dt.date
    ended_on: dt.date | None  # the stop date, if on or before the cut-off
    on_treatment: bool  # ONTRTFL
    corticosteroid_outside_protocol: bool  # CORTFL
    deviation: bool  # DEVFL: an open deviation (tells the arm: control)

    @property
    def start_day(self) -> int:
        return study_day(self.medication.started_on, self.randomized_on)

    @property
    def end_day(self) -> int | None:
        return study_day(self.ended_on, self.randomized_on) if self.ended_on else None


def study_day(day: dt.date, randomized_on: dt.date) -> int:
    """Day relative to randomization as ADaM counts it: the randomization is day 1, the day
    before it day -1 (there is no day 0)."""
    delta = (day - randomized_on).days
    return delta + 1 if delta >= 0 else delta


def adcm_rows(*, site_numbers: list[int] | None, cutoff: dt.date) -> Iterator[AdcmRow]:
    """Every randomized patient's medications started on or before the cut-off, in one
    query (patient, randomization, end of treatment and deviation joined), as of the
    cut-off: a stop after it is not known yet (ongoing then), nor an end of treatment."""
    medications = (
        ConcomitantMedication.objects.filter(
            patient__randomization__isnull=False, started_on__lte=cutoff
        )
        .select_related(
            "patient__site", "patient__randomization", "patient__end_of_treatment", "deviation"
        )
        .order_by("patient__study_id", "started_on", "pk")
    )
    if site_numbers is not None:
        medications = medications.filter(patient__site__number__in=site_numbers)
    for medication in medications.iterator(chunk_size=1000):
        patient = medication.patient
        randomized_on = timezone.localtime(patient.randomization.randomized_at).date()
        eot = getattr(patient, "end_of_treatment", None)
        treatment_ended_on = eot.ended_on if eot and eot.ended_on <= cutoff else None
        stopped_on = medication.stopped_on if medication.stopped_on else None
        ended_on = stopped_on if stopped_on and stopped_on <= cutoff else None
        as_of_cutoff = ConcomitantMedication(started_on=medication.started_on, stopped_on=ended_on)
        deviation = medication.deviation
        yield AdcmRow(
            medication=medication,
            randomized_on=randomized_on,
            ended_on=ended_on,
            on_treatment=services.on_treatment(
                as_of_cutoff,
                randomized_on=randomized_on,
                treatment_ended_on=treatment_ended_on,
                today=cutoff,
            ),
            corticosteroid_outside_protocol=services.corticosteroid_outside_protocol(medication),
            deviation=bool(deviation and deviation.corrected_at is None),
        )


def corticosteroids_for_review(
    today: dt.date,
) -> Iterator[tuple[ConcomitantMedication, str, QueryText]]:
    """Each systemic corticosteroid for an indication the protocol does not allow, taken
    during protocol treatment, with the question for the site: in either arm, so the query
    list does not tell the arm (in the DEX arm it is a second corticosteroid)."""
    medications = (
        ConcomitantMedication.objects.filter(
            category=drugs.Category.CORTICOSTEROID,
            route__in=drugs.SYSTEMIC_ROUTES,
            patient__randomization__isnull=False,
        )
        .exclude(indication__in=drugs.CORTICOSTEROID_ALLOWED_INDICATIONS)
        .select_related("patient__randomization", "patient__end_of_treatment")
    )
    for medication in medications:
        patient = medication.patient
        eot = getattr(patient, "end_of_treatment", None)
        if services.on_treatment(
            medication,
            randomized_on=timezone.localtime(patient.randomization.randomized_at).date(),
            treatment_ended_on=eot.ended_on if eot else None,
            today=today,
        ):
            yield (
                medication,
                "indication",
                QueryText(
                    gettext_noop(
                        "%(drug)s (%(route)s) from %(started_on)s during protocol treatment, "
                        "for %(indication)s: a systemic corticosteroid outside the "
                        "protocol's indications. Please confirm the drug, dose, dates and "
                        "indication."
                    ),
                    {
                        "drug": medication.drug_name,
                        "route": ChoiceLabel("medications.drugs.Route", medication.route),
                        "started_on": f"{medication.started_on:%d/%m/%Y}",
                        "indication": ChoiceLabel(
                            "medications.drugs.Indication", medication.indication
                        ),
                    },
                ),
            )
