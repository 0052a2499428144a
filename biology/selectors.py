"""Reads of the biology: the screening specimen's genetics and the ELN risk derived from it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_noop

import protocol
from biology import crfs
from biology.eln import Abnormality, Genetics, Risk, eln2017, eln2022
from biology.models import KaryotypeResult, Specimen, SpecimenTimepoint
from patients.models import Patient, Screening
from refusals.translatable import ChoiceLabel, QueryText

_MUTATED = {
    protocol.MutationResult.DETECTED: True,
    protocol.MutationResult.NOT_DETECTED: False,
}


# The specimen's fields its genetics are read from (specimen_genetics).
GENETICS_FIELDS: tuple[str, ...] = (
    "karyotype",
    *(abnormality.value for abnormality in Abnormality),
    *crfs.GENES,
    "flt3_itd_allelic_ratio",
    "tp53_vaf",
)


def specimen_genetics(specimen: Specimen) -> Genetics:
    """Return what the specimen says, as the ELN tables read it."""
    return genetics_of({field: getattr(specimen, field) for field in GENETICS_FIELDS})


def genetics_of(values: Mapping[str, Any]) -> Genetics:
    """Return what a specimen's fields (GENETICS_FIELDS, by name) say, as the ELN tables
    read it."""
    return Genetics(
        karyotype_known=values["karyotype"] in (KaryotypeResult.NORMAL, KaryotypeResult.ABNORMAL),
        abnormalities=frozenset(a for a in Abnormality if values[a.value]),
        mutated={gene: _MUTATED.get(values[gene]) for gene in crfs.GENES},
        flt3_itd_allelic_ratio=values["flt3_itd_allelic_ratio"],
        tp53_vaf=values["tp53_vaf"],
    )


@dataclass(frozen=True)
class ElnRisk:
    """The ELN risk derived from the screening specimen, beside the investigator's entry."""

    specimen: Specimen | None
    eln2017: Risk
    eln2022: Risk
    investigator: str  # protocol.ElnRisk value, or "" when not entered

    @property
    def investigator_disagrees(self) -> bool:
        """The investigator's entry differs from the risk derived by the version it names
        (the screening form asks for the ELN 2017 risk group), both being known. Compared
        with ELN 2022 instead, a correct 2017 entry would be questioned wherever the two
        versions differ (NPM1 with FLT3-ITD low, CEBPA, the myelodysplasia-related genes)."""
        derived = self.eln2017
        return bool(
            self.investigator and derived != Risk.NOT_ASSESSABLE and derived != self.investigator
        )

    @property
    def derived_label(self) -> str:
        return str(self.derived_text.shown())

    @property
    def derived_text(self) -> QueryText:
        """Both derived groups, in the reader's language when shown."""
        return QueryText(
            gettext_noop("ELN 2017 %(eln2017)s, ELN 2022 %(eln2022)s"),
            {
                "eln2017": ChoiceLabel("biology.eln.Risk", self.eln2017.value),
                "eln2022": ChoiceLabel("biology.eln.Risk", self.eln2022.value),
            },
        )


def _risk(patient: Patient, specimen: Specimen | None) -> ElnRisk:
    screening = getattr(patient, "screening", None)
    investigator = screening.eln_risk if screening is not None else ""
    if specimen is None:
        return ElnRisk(None, Risk.NOT_ASSESSABLE, Risk.NOT_ASSESSABLE, investigator)
    genetics = specimen_genetics(specimen)
    return ElnRisk(specimen, eln2017(genetics), eln2022(genetics), investigator)


def screening_specimens(patient_ids: Iterable[int]) -> dict[int, Specimen]:
    """Return each patient's screening specimen, by patient id (one query)."""
    specimens = Specimen.objects.filter(
        patient_id__in=list(patient_ids), timepoint=SpecimenTimepoint.SCREENING
    )
    return {specimen.patient_id: specimen for specimen in specimens}


@functools.lru_cache(maxsize=65_536)
def _eln2017_of(values: tuple[Any, ...]) -> Risk:
    """The ELN 2017 risk of a specimen's GENETICS_FIELDS values, in that order: a function
    of those values alone, so each process derives each set once (a 10,000-patient trial has
    ~6,000 distinct sets; deriving them all took ~150 ms a report)."""
    return eln2017(genetics_of(dict(zip(GENETICS_FIELDS, values, strict=True))))


def screening_eln2017_risks(patients: QuerySet[Patient]) -> dict[int, Risk]:
    """Return the ELN 2017 risk derived from the screening specimen of each of these
    patients who has one, by patient id: one query for the fields the genetics are read
    from (no model instance)."""
    rows = (
        Specimen.objects.filter(timepoint=SpecimenTimepoint.SCREENING, patient__in=patients)
        .order_by()
        .values_list("patient_id", *GENETICS_FIELDS)
    )
    return {patient_id: _eln2017_of(tuple(values)) for patient_id, *values in rows}


def eln_risk(patient: Patient) -> ElnRisk:
    """Return the ELN 2017 and 2022 risk derived from the patient's screening specimen."""
    specimen = Specimen.objects.filter(
        patient=patient, timepoint=SpecimenTimepoint.SCREENING
    ).first()
    return _risk(patient, specimen)


def eln_risks(patients: Iterable[Patient]) -> dict[int, ElnRisk]:
    """Return the derived ELN risk of each patient (screening loaded with the patients)."""
    patients = list(patients)
    specimens = screening_specimens(p.pk for p in patients)
    return {p.pk: _risk(p, specimens.get(p.pk)) for p in patients}


def eln_risk_disagreements(today: dt.date) -> Iterator[tuple[Model, str, QueryText]]:
    """The screenings whose ELN risk group (the investigator's entry) differs from the risk
    derived from the screening specimen: an automatic query on the entry (review/checks.py),
    closed by itself once a correction of either makes them agree."""
    specimens = Specimen.objects.filter(timepoint=SpecimenTimepoint.SCREENING).select_related(
        "patient__screening"
    )
    for specimen in specimens:
        screening: Screening | None = getattr(specimen.patient, "screening", None)
        if screening is None:
            continue
        risk = _risk(specimen.patient, specimen)
        if risk.investigator_disagrees:
            yield (
                screening,
                "eln_risk",
                QueryText(
                    gettext_noop(
                        "The ELN 2017 risk group entered (%(entered)s) differs from the risk "
                        "derived from the screening specimen of %(collected_on)s "
                        "(%(derived)s): please check the risk group, or the karyotype and "
                        "mutations."
                    ),
                    {
                        "entered": ChoiceLabel("protocol.ElnRisk", screening.eln_risk),
                        "collected_on": f"{specimen.collected_on:%d/%m/%Y}",
                        "derived": risk.derived_text,
                    },
                ),
            )
