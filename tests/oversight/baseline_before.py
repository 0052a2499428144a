"""The baseline characteristics tables as they were counted before the database did the
counting: every randomized patient read into Python (`baseline_patients`, two queries) and
put in each column's group by a predicate (the code of oversight/baseline.py up to commit
d234c0a, kept here unchanged in substance). The tests compare the grouped counts of
oversight.baseline with these, cell by cell, on varied trials.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

import protocol
from biology.models import Specimen, SpecimenTimepoint
from biology.selectors import GENETICS_FIELDS, _eln2017_of
from oversight.baseline import ECOG_LEVELS, ELN_DERIVED_LEVELS, ELN_LEVELS, NOT_RECORDED, _percent
from patients.models import Patient
from randomization.models import Randomization

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise


def screening_eln2017_risks(patients) -> dict[int, Any]:
    """Return the ELN 2017 risk derived from the screening specimen of each of these
    patients who has one, by patient id: one query for the fields the genetics are read
    from (no model instance)."""
    rows = (
        Specimen.objects.filter(timepoint=SpecimenTimepoint.SCREENING, patient__in=patients)
        .order_by()
        .values_list("patient_id", *GENETICS_FIELDS)
    )
    return {patient_id: _eln2017_of(tuple(values)) for patient_id, *values in rows}


@dataclass(frozen=True)
class BaselinePatient:
    study_id: str
    site: str
    arm: str
    regimen: str
    stratum_disease_status: str  # the randomization's level: relapsed or refractory
    age: int | None
    sex: str
    ecog: int | None
    disease_status: str
    eln_entered: str
    eln_derived: str  # biology.eln.Risk value; "" without a screening specimen
    prior_allo_hsct: bool | None


Column = tuple["StrOrPromise", Callable[[BaselinePatient], bool]]


def baseline_patients(cutoff: dt.date) -> list[BaselinePatient]:
    """Return every patient randomized by the cut-off (dated in the trial's time zone) with
    their baseline, in study-ID order (two queries)."""
    randomizations = Randomization.objects.filter(randomized_at__date__lte=cutoff)
    derived = screening_eln2017_risks(
        Patient.objects.filter(pk__in=randomizations.values("patient_id"))
    )
    rows = randomizations.order_by("patient__study_id").values_list(
        "patient_id",
        "patient__study_id",
        "patient__site__number",
        "arm",
        "regimen",
        KT("stratum_levels__disease_status"),
        "patient__screening__age_at_consent",
        "patient__sex",
        "patient__screening__ecog",
        "patient__screening__disease_status",
        "patient__screening__eln_risk",
        "patient__screening__prior_allo_hsct",
    )
    patients = []
    for (
        patient_id,
        study_id,
        site_number,
        arm,
        regimen,
        stratum_disease_status,
        age,
        sex,
        ecog,
        disease_status,
        eln_entered,
        prior_allo_hsct,
    ) in rows:
        risk = derived.get(patient_id)
        patients.append(
            BaselinePatient(
                study_id=study_id,
                site=f"{site_number:02d}",  # the site's code
                arm=arm,
                regimen=regimen,
                stratum_disease_status=stratum_disease_status or "",
                age=age,
                sex=sex,
                ecog=ecog,
                disease_status=disease_status,
                eln_entered=eln_entered,
                eln_derived=risk.value if risk is not None else "",
                prior_allo_hsct=prior_allo_hsct,
            )
        )
    return patients


def _age(members: Sequence[BaselinePatient]) -> str:
    ages = [p.age for p in members if p.age is not None]
    if not ages:
        return "—"
    return f"{statistics.median(ages):g} ({min(ages)}–{max(ages)})"


def _categorical(
    label: StrOrPromise,
    levels: Sequence[tuple[Any, StrOrPromise]],
    read: Callable[[BaselinePatient], Any],
    groups: list[list[BaselinePatient]],
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"label": label, "heading": True, "cells": []}]
    tallies = [Counter(map(read, members)) for members in groups]
    for value, level_label in levels:
        rows.append(
            {
                "label": level_label,
                "heading": False,
                "cells": [
                    _percent(tally[value], len(members))
                    for tally, members in zip(tallies, groups, strict=True)
                ],
            }
        )
    return rows


def baseline_table(patients: Sequence[BaselinePatient], columns: Sequence[Column]) -> dict:
    """Return {"columns": [...], "rows": [...]}: n, age, sex, ECOG, disease status, regimen,
    ELN 2017 risk (entered and derived), prior allo-HSCT, for each column's patients."""
    groups = [[p for p in patients if belongs(p)] for _, belongs in columns]
    rows: list[dict[str, Any]] = [
        {"label": _("Patients, n"), "heading": False, "cells": [str(len(g)) for g in groups]},
        {
            "label": _("Age at consent, median (range)"),
            "heading": False,
            "cells": [_age(g) for g in groups],
        },
    ]
    rows += _categorical(_("Sex"), protocol.Sex.choices, attrgetter("sex"), groups)
    rows += _categorical(_("ECOG performance status"), ECOG_LEVELS, attrgetter("ecog"), groups)
    rows += _categorical(
        _("Disease status"), protocol.DiseaseStatus.choices, attrgetter("disease_status"), groups
    )
    rows += _categorical(
        _("Salvage regimen"), protocol.Regimen.choices, attrgetter("regimen"), groups
    )
    rows += _categorical(
        _("ELN 2017 risk (investigator)"), ELN_LEVELS, attrgetter("eln_entered"), groups
    )
    rows += _categorical(
        _("ELN 2017 risk (derived from the screening specimen)"),
        ELN_DERIVED_LEVELS,
        attrgetter("eln_derived"),
        groups,
    )
    rows += _categorical(
        _("Prior allo-HSCT"),
        [(True, _("Yes")), (False, _("No")), (None, NOT_RECORDED)],
        attrgetter("prior_allo_hsct"),
        groups,
    )
    return {"columns": [label for label, _ in columns], "rows": rows}


def _everyone(patient: BaselinePatient) -> bool:
    return True


def _where(attribute: str, value: str) -> Callable[[BaselinePatient], bool]:
    def belongs(patient: BaselinePatient) -> bool:
        return bool(getattr(patient, attribute) == value)

    return belongs


def columns_by_stratum() -> list[Column]:
    """All, then each regimen and each disease-status level of the randomization."""
    columns: list[Column] = [(_("All randomized"), _everyone)]
    columns += [(label, _where("regimen", value)) for value, label in protocol.Regimen.choices]
    columns += [
        (_("Disease relapsed"), _where("stratum_disease_status", "relapsed")),
        (_("Disease refractory"), _where("stratum_disease_status", "refractory")),
    ]
    return columns


def columns_by_site(patients: Sequence[BaselinePatient]) -> list[Column]:
    """All, then each site that randomized someone (site is a stratification factor)."""
    columns: list[Column] = [(_("All randomized"), _everyone)]
    columns += [
        (_("Site %(site)s") % {"site": site}, _where("site", site))
        for site in sorted({p.site for p in patients})
    ]
    return columns


def columns_by_arm() -> list[Column]:
    """All, then each arm: for the closed part only."""
    columns: list[Column] = [(_("All randomized"), _everyone)]
    columns += [(label, _where("arm", value)) for value, label in protocol.Arm.choices]
    return columns
