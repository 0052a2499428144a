"""Reads of the biology: the screening specimen's genetics and the ELN risk derived from it."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_noop

import protocol
from biology import crfs
from biology.eln import (
    ELN2017_ABNORMALITY_SETS,
    ELN2017_GENES,
    FLT3_ITD_HIGH_RATIO,
    Abnormality,
    Genetics,
    Risk,
    eln2017,
    eln2022,
)
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


def _eln2017_features() -> dict[str, Any]:
    """What eln2017 reads of the screening specimen (biology.eln.ELN2017_ABNORMALITY_SETS,
    ELN2017_GENES), as expressions over the patient's `screening_specimen` (none: NULL)."""
    ratio = "screening_specimen__flt3_itd_allelic_ratio"
    features: dict[str, Any] = {
        "has_specimen": ExpressionWrapper(
            Q(screening_specimen__id__isnull=False), output_field=BooleanField()
        ),
        "karyotype": F("screening_specimen__karyotype"),
        "flt3_itd_ratio": Case(
            When(**{f"{ratio}__gte": FLT3_ITD_HIGH_RATIO}, then=Value("high")),
            When(**{f"{ratio}__isnull": False}, then=Value("low")),
            default=Value(""),
        ),
    }
    for name, abnormalities in ELN2017_ABNORMALITY_SETS.items():
        found = functools.reduce(
            operator.or_,
            (Q(**{f"screening_specimen__{a.value}": True}) for a in sorted(abnormalities)),
        )
        features[f"found_{name}"] = ExpressionWrapper(found, output_field=BooleanField())
    for gene in ELN2017_GENES:
        features[f"gene_{gene}"] = F(f"screening_specimen__{gene}")
    return features


# A ratio standing for those below or at least the 2017 threshold (all eln2017 asks of it).
_RATIO_OF = {"high": FLT3_ITD_HIGH_RATIO, "low": Decimal(0), "": None}


@functools.lru_cache(maxsize=4_096)
def _eln2017_of_features(features: tuple[tuple[str, Any], ...]) -> Risk:
    """The ELN 2017 risk of the specimens with these features (name, value), asked of
    eln2017 through a specimen standing for them all: one abnormality of each set found, the
    ratio on the right side of the threshold, the genes it reads, nothing else. Kept per
    process: a trial has a few hundred to a few thousand such groups."""
    found = dict(features)
    values: dict[str, Any] = dict.fromkeys(GENETICS_FIELDS)
    values["karyotype"] = found["karyotype"]
    values["flt3_itd_allelic_ratio"] = _RATIO_OF[found["flt3_itd_ratio"]]
    for name, abnormalities in ELN2017_ABNORMALITY_SETS.items():
        if found[f"found_{name}"]:
            values[min(abnormalities).value] = True
    for gene in ELN2017_GENES:
        values[gene] = found[f"gene_{gene}"]
    return _eln2017_of(tuple(values[field] for field in GENETICS_FIELDS))


def screening_eln2017_counts(
    patients: QuerySet[Patient], by: Mapping[str, Any]
) -> dict[tuple[Any, ...], Counter[str]]:
    """Return, for each value of the `by` expressions (over `patients`, as a tuple in their
    order), how many patients' screening specimens give each ELN 2017 risk (a Risk value), ""
    counting the patients without one: one query, grouped by what eln2017 reads of a specimen
    (a bounded number of groups, whatever the number of patients), each group's risk derived
    once."""
    features = _eln2017_features()
    rows = (
        patients.annotate(
            screening_specimen=FilteredRelation(
                "biology_specimens",
                condition=Q(biology_specimens__timepoint=SpecimenTimepoint.SCREENING),
            )
        )
        .order_by()
        .values(**by, **features)
        .annotate(patients=Count("pk"))
    )
    tallies: dict[tuple[Any, ...], Counter[str]] = {}
    for row in rows:
        specimen = tuple((name, row[name]) for name in features)
        risk = _eln2017_of_features(specimen).value if row["has_specimen"] else ""
        key = tuple(row[name] for name in by)
        tallies.setdefault(key, Counter())[risk] += row["patients"]
    return tallies


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
