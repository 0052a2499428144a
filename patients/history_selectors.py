"""Reads of the disease history: its disagreements with the screening (for the automatic
queries, review/checks.py) and the values the ADSL export carries, in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from patients.models import DiseaseHistory, Screening
from refusals.translatable import ChoiceLabel, QueryText


def _histories() -> Iterator[DiseaseHistory]:
    return DiseaseHistory.objects.select_related("patient", "patient__screening").iterator()


def disease_status_disagreements(
    today: dt.date,
) -> Iterator[tuple[DiseaseHistory, str, QueryText]]:
    """Histories whose derived disease status differs from the screening's.

    A question, not a refusal: the history is often entered after the screening, whose
    status was the randomization's stratum (which stays as randomized).
    """
    for record in _histories():
        derived, entered = record.disease_status_derived, record.patient.screening.disease_status
        if derived and entered and derived != entered:
            yield (
                record,
                "disease_status_derived",
                QueryText(
                    gettext_noop(
                        "The disease history and prior regimens show %(derived)s; the "
                        "screening says %(entered)s. Please correct the one that is wrong."
                    ),
                    {
                        "derived": ChoiceLabel("protocol.DiseaseStatus", derived),
                        "entered": ChoiceLabel("protocol.DiseaseStatus", entered),
                    },
                ),
            )


def prior_lines_disagreements(today: dt.date) -> Iterator[tuple[DiseaseHistory, str, QueryText]]:
    """Histories whose lines of therapy counted from the regimens differ from the
    screening's prior lines of therapy."""
    for record in _histories():
        counted, entered = record.prior_lines_counted, record.patient.screening.prior_lines
        if counted is not None and entered is not None and counted != entered:
            yield (
                record,
                "prior_lines_counted",
                QueryText(
                    gettext_noop(
                        "The prior regimens make %(counted)s line(s) of therapy; the screening "
                        "says %(entered)s. Please complete the regimens or correct the screening."
                    ),
                    {"counted": counted, "entered": entered},
                ),
            )


@dataclass(frozen=True)
class HistoryFacts:
    """What ADSL carries of a patient's history (empty values while none is recorded)."""

    disease_status_derived: str = ""
    cr1_days: int | None = None
    relapse_timing: str = ""
    prior_lines_counted: int | None = None
    prior_hsct: bool | None = None  # the screening's answer
    prior_hsct_on: dt.date | None = None
    prior_cytarabine: bool | None = None


def history_facts(patient_ids: Iterable[int]) -> dict[int, HistoryFacts]:
    """Return each patient's history facts, in two queries whatever their number."""
    ids = list(patient_ids)
    hsct = dict(
        Screening.objects.filter(patient_id__in=ids).values_list("patient_id", "prior_allo_hsct")
    )
    facts = {pid: HistoryFacts(prior_hsct=hsct.get(pid)) for pid in ids}
    for h in DiseaseHistory.objects.filter(patient_id__in=ids):
        facts[h.patient_id] = HistoryFacts(
            disease_status_derived=h.disease_status_derived,
            cr1_days=h.cr1_days,
            relapse_timing=h.relapse_timing,
            prior_lines_counted=h.prior_lines_counted,
            prior_hsct=hsct.get(h.patient_id),
            prior_hsct_on=h.prior_hsct_on,
            prior_cytarabine=h.prior_cytarabine,
        )
    return facts
