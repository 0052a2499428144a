"""The baseline characteristics table of the randomized patients, by column.

The open part of the DMC report shows it by stratum (the randomization's levels: regimen,
disease status, site), the closed part by arm. Read from the screening (age, sex, ECOG,
disease status, ELN 2017 risk as entered) and the biology form (the ELN 2017 risk derived
from the screening specimen, where one was entered); categorical rows are n (%) of the
column, age the median (range).

Counted by PostgreSQL, in two queries whatever the trial's size: the patients randomized by
the cut-off grouped by what tells the columns apart (arm; regimen and disease stratum; site)
and their age, every categorical cell a conditional count; and the same groups by what the
ELN 2017 table reads of the screening specimen (biology.selectors.screening_eln2017_counts).
Each column adds up its groups; the age's median is taken from its ages' counts as
statistics.median takes it from the list of ages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from biology.eln import Risk
from biology.selectors import screening_eln2017_counts
from patients.models import Patient

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise


# What tells the columns apart, by name: a column holds the patients with these values.
GROUPS: dict[str, Any] = {
    "group_arm": F("randomization__arm"),
    "group_regimen": F("randomization__regimen"),
    "group_disease_stratum": KeyTextTransform("disease_status", "randomization__stratum_levels"),
    "group_site": F("site__number"),
}
# A column: its heading and the GROUPS values of its patients ({}: all of them).
Column = tuple["StrOrPromise", dict[str, Any]]


def randomized_patients(cutoff: dt.date) -> QuerySet[Patient]:
    """The patients randomized by the cut-off (dated in the trial's time zone)."""
    return Patient.objects.filter(randomization__randomized_at__date__lte=cutoff).order_by()


def _percent(n: int, of: int) -> str:
    if not of:
        return "0"
    # Translators: a count and its percentage of the column, e.g. 3 (50%).
    return _("%(n)s (%(percent)s%%)") % {"n": n, "percent": f"{100 * n / of:.0f}"}


NOT_RECORDED = gettext_lazy("Not recorded")
ECOG_LEVELS: list[tuple[int | None, StrOrPromise]] = [
    (0, "0"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (None, NOT_RECORDED),
]
ELN_LEVELS = [(v, label) for v, label in protocol.ElnRisk.choices] + [("", NOT_RECORDED)]
ELN_DERIVED_LEVELS = [(r.value, r.label) for r in Risk] + [
    ("", gettext_lazy("No screening specimen"))
]


# The categorical rows: heading, the patient's field, its levels in the order shown.
def _categorical_rows() -> list[tuple[StrOrPromise, str, Sequence[tuple[Any, StrOrPromise]]]]:
    return [
        (_("Sex"), "sex", protocol.Sex.choices),
        (_("ECOG performance status"), "screening__ecog", ECOG_LEVELS),
        (_("Disease status"), "screening__disease_status", protocol.DiseaseStatus.choices),
        (_("Salvage regimen"), "randomization__regimen", protocol.Regimen.choices),
        (_("ELN 2017 risk (investigator)"), "screening__eln_risk", ELN_LEVELS),
        (_("ELN 2017 risk (derived from the screening specimen)"), "", ELN_DERIVED_LEVELS),
        (
            _("Prior allo-HSCT"),
            "screening__prior_allo_hsct",
            [(True, _("Yes")), (False, _("No")), (None, NOT_RECORDED)],
        ),
    ]


def _is(field: str, value: Any) -> Q:
    """The patients whose field has this value; None: not recorded (nor its form)."""
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


def _median(ages: Counter[int]) -> float:
    """statistics.median of the ages these counts make (age: how many), as it gives it: the
    middle age (an int), or the mean of the two middle ones."""

    def at(position: int) -> int:  # the age at this position of the sorted list of ages
        seen = 0
        for age in sorted(ages):
            seen += ages[age]
            if position < seen:
                return age
        raise IndexError(position)

    total = ages.total()
    if total % 2:
        return at(total // 2)
    return (at(total // 2 - 1) + at(total // 2)) / 2


def _age(ages: Counter[int]) -> str:
    if not ages:
        return "—"
    return f"{_median(ages):g} ({min(ages)}–{max(ages)})"


def _in(column: Column, key: dict[str, Any]) -> bool:
    return all(key[name] == value for name, value in column[1].items())


def baseline_table(cutoff: dt.date, columns: Sequence[Column]) -> dict:
    """Return {"columns": [...], "rows": [...]}: n, age, sex, ECOG, disease status, regimen,
    ELN 2017 risk (entered and derived), prior allo-HSCT, for each column's patients randomized
    by the cut-off (two queries)."""
    categorical = _categorical_rows()
    by = {name: GROUPS[name] for name in sorted({name for _l, of in columns for name in of})}
    cells = {
        f"cell_{r}_{v}": Count("pk", filter=_is(field, value))
        for r, (_heading, field, levels) in enumerate(categorical)
        if field
        for v, (value, _level) in enumerate(levels)
    }
    patients = randomized_patients(cutoff)
    groups = list(
        patients.values(**by, age_at_consent=F("screening__age_at_consent")).annotate(
            patients=Count("pk"), **cells
        )
    )
    derived = screening_eln2017_counts(patients, by)
    sizes: list[int] = []
    ages: list[Counter[int]] = []
    counted: list[dict[str, int]] = []
    risks: list[Counter[str]] = []
    for column in columns:
        members = [g for g in groups if _in(column, g)]
        sizes.append(sum(g["patients"] for g in members))
        ages.append(Counter())
        for g in members:
            if g["age_at_consent"] is not None:
                ages[-1][g["age_at_consent"]] += g["patients"]
        counted.append({name: sum(g[name] for g in members) for name in cells})
        risks.append(Counter())
        for key, tally in derived.items():
            if _in(column, dict(zip(by, key, strict=True))):
                risks[-1].update(tally)
    rows: list[dict[str, Any]] = [
        {"label": _("Patients, n"), "heading": False, "cells": [str(n) for n in sizes]},
        {
            "label": _("Age at consent, median (range)"),
            "heading": False,
            "cells": [_age(column_ages) for column_ages in ages],
        },
    ]
    for r, (heading, field, levels) in enumerate(categorical):
        rows.append({"label": heading, "heading": True, "cells": []})
        for v, (value, level) in enumerate(levels):
            rows.append(
                {
                    "label": level,
                    "heading": False,
                    "cells": [
                        _percent(counted[i][f"cell_{r}_{v}"] if field else risks[i][value], n)
                        for i, n in enumerate(sizes)
                    ],
                }
            )
    return {"columns": [label for label, _of in columns], "rows": rows}


def columns_by_stratum() -> list[Column]:
    """All, then each regimen and each disease-status level of the randomization."""
    columns: list[Column] = [(_("All randomized"), {})]
    columns += [(label, {"group_regimen": value}) for value, label in protocol.Regimen.choices]
    columns += [
        (_("Disease relapsed"), {"group_disease_stratum": "relapsed"}),
        (_("Disease refractory"), {"group_disease_stratum": "refractory"}),
    ]
    return columns


def columns_by_site(cutoff: dt.date) -> list[Column]:
    """All, then each site that randomized someone by the cut-off (site is a stratification
    factor), in the order of their codes (one query)."""
    numbers = randomized_patients(cutoff).values_list("site__number", flat=True).distinct()
    codes = sorted((f"{number:02d}", number) for number in numbers)
    columns: list[Column] = [(_("All randomized"), {})]
    columns += [
        (_("Site %(site)s") % {"site": code}, {"group_site": number}) for code, number in codes
    ]
    return columns


def columns_by_arm() -> list[Column]:
    """All, then each arm: for the closed part only."""
    columns: list[Column] = [(_("All randomized"), {})]
    columns += [(label, {"group_arm": value}) for value, label in protocol.Arm.choices]
    return columns
