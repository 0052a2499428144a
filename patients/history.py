"""The disease history's rules, as pure functions of the entered values (issue 13 item 4).

What is derived from the history and the prior regimens (the disease status in the
protocol's words, the CR1 duration and whether the first relapse was early or late, the
lines of therapy, prior cytarabine exposure), and what each form refuses. The services
call these; the tests read them as the protocol's definitions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from protocol import prior_therapy

Errors = dict[str, list[str]]


def _relapse_timing_help() -> str:
    return _(
        "Early when the first relapse came less than %(months)s calendar months after the "
        "first CR/CRi (a relapse on the same day of the month, %(months)s months later, is "
        "late); empty without both dates."
    ) % {"months": prior_therapy.EARLY_RELAPSE_CR1_MONTHS}


CR1_HELP = gettext_lazy(
    "Days from the first CR/CRi to the first relapse; empty if either is missing."
)
# Read in the reader's language when shown, not when this module is imported.
RELAPSE_TIMING_HELP = lazy(_relapse_timing_help, str)()
LINES_HELP = gettext_lazy(
    "The prior regimens, a consolidation (high-dose cytarabine) not counted: it continues "
    "the line before it. Checked against the screening's prior lines of therapy (a query)."
)
CYTARABINE_HELP = gettext_lazy(
    "Whether any prior regimen contained cytarabine; empty without regimens."
)
STATUS_HELP = gettext_lazy(
    "Primary refractory: never a CR/CRi (no first CR date, no regimen's best response CR or "
    "CRi). Otherwise relapse after allo-HSCT when the relapse documented at screening came "
    "after the prior allo-HSCT; else first relapse (one relapse) or second or later relapse. "
    "Checked against the screening's disease status (a query when they differ)."
)


@dataclass(frozen=True)
class RegimenEntry:
    """What the derivations read of one prior regimen."""

    regimen: str
    cytarabine_containing: bool | None
    best_response: str


@dataclass(frozen=True)
class HistoryDerived:
    disease_status_derived: str
    cr1_days: int | None
    relapse_timing: str
    prior_lines_counted: int | None
    prior_cytarabine: bool | None

    def as_fields(self) -> dict[str, Any]:
        return {
            "disease_status_derived": self.disease_status_derived,
            "cr1_days": self.cr1_days,
            "relapse_timing": self.relapse_timing,
            "prior_lines_counted": self.prior_lines_counted,
            "prior_cytarabine": self.prior_cytarabine,
        }


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def cytarabine_of(regimen: str, typed: bool | None) -> bool | None:
    """Cytarabine in a regimen: what the listed regimen says; the coordinator's answer else."""
    facts = prior_therapy.REGIMEN_FACTS.get(regimen)
    return facts.cytarabine if facts else typed


def relapse_timing(first_cr_on: dt.date | None, first_relapse_on: dt.date | None) -> str:
    """Early or late first relapse, by the CR1 duration in calendar months; '' if unknown."""
    if first_cr_on is None or first_relapse_on is None:
        return ""
    late_from = months_later(first_cr_on, prior_therapy.EARLY_RELAPSE_CR1_MONTHS)
    if first_relapse_on >= late_from:
        return prior_therapy.RelapseTiming.LATE
    return prior_therapy.RelapseTiming.EARLY


def lines_counted(regimens: Sequence[RegimenEntry]) -> int | None:
    """The lines of therapy the regimens make: a consolidation continues the line before."""
    if not regimens:
        return None
    return sum(
        1
        for r in regimens
        if not getattr(prior_therapy.REGIMEN_FACTS.get(r.regimen), "consolidation", False)
    )


def disease_status_derived(
    *,
    first_cr_on: dt.date | None,
    relapses: int,
    prior_hsct_on: dt.date | None,
    relapse_documented_on: dt.date | None,
    regimens: Iterable[RegimenEntry],
) -> str:
    """The disease status at study entry, in the protocol's words (protocol.DiseaseStatus)."""
    remission = first_cr_on is not None or any(
        r.best_response in prior_therapy.PRIOR_REMISSIONS for r in regimens
    )
    if not remission:
        return protocol.DiseaseStatus.PRIMARY_REFRACTORY
    if prior_hsct_on and relapse_documented_on and relapse_documented_on > prior_hsct_on:
        return protocol.DiseaseStatus.RELAPSE_AFTER_HSCT
    if relapses >= 2:
        return protocol.DiseaseStatus.LATER_RELAPSE
    return protocol.DiseaseStatus.FIRST_RELAPSE


def history_derived(
    *,
    first_cr_on: dt.date | None,
    first_relapse_on: dt.date | None,
    relapses: int,
    prior_hsct_on: dt.date | None,
    relapse_documented_on: dt.date | None,
    regimens: Sequence[RegimenEntry],
) -> HistoryDerived:
    """Everything the history record derives, from its values, the regimens and the
    screening's date of relapse or refractoriness."""
    exposures = [cytarabine_of(r.regimen, r.cytarabine_containing) for r in regimens]
    return HistoryDerived(
        disease_status_derived=disease_status_derived(
            first_cr_on=first_cr_on,
            relapses=relapses,
            prior_hsct_on=prior_hsct_on,
            relapse_documented_on=relapse_documented_on,
            regimens=regimens,
        ),
        cr1_days=(first_relapse_on - first_cr_on).days
        if first_cr_on and first_relapse_on
        else None,
        relapse_timing=relapse_timing(first_cr_on, first_relapse_on),
        prior_lines_counted=lines_counted(regimens),
        prior_cytarabine=any(exposures) if exposures else None,
    )


def _dates_within_history(
    errors: Errors, values: dict[str, dt.date | None], diagnosis_on: dt.date | None, by: dt.date
) -> None:
    """Prior therapy and history come after the diagnosis and by the screening visit."""
    for name, day in values.items():
        if day is None:
            continue
        if diagnosis_on and day < diagnosis_on:
            _add(
                errors,
                name,
                _("Before the diagnosis (%(date)s).") % {"date": f"{diagnosis_on:%d/%m/%Y}"},
            )
        if day > by:
            _add(
                errors,
                name,
                _("After the screening visit (%(date)s): not a prior event.")
                % {"date": f"{by:%d/%m/%Y}"},
            )


def history_errors(
    *,
    first_cr_on: dt.date | None,
    first_relapse_on: dt.date | None,
    relapses: int,
    prior_hsct_on: dt.date | None,
    diagnosis_on: dt.date | None,
    screened_on: dt.date,
) -> Errors:
    """What the disease history refuses, keyed by field."""
    errors: Errors = {}
    _dates_within_history(
        errors,
        {
            "first_cr_on": first_cr_on,
            "first_relapse_on": first_relapse_on,
            "prior_hsct_on": prior_hsct_on,
        },
        diagnosis_on,
        screened_on,
    )
    if first_cr_on is None:
        if first_relapse_on is not None:
            _add(errors, "first_relapse_on", _("A relapse follows a first CR/CRi: give its date."))
        if relapses:
            _add(errors, "relapses", _("Never in CR/CRi: no relapse (0)."))
    else:
        if first_relapse_on is None:
            _add(
                errors,
                "first_relapse_on",
                _(
                    "In CR/CRi before and now relapsed or refractory: give the first "
                    "relapse's date."
                ),
            )
        elif first_relapse_on <= first_cr_on:
            _add(
                errors,
                "first_relapse_on",
                _("The first relapse must come after the first CR/CRi (%(date)s).")
                % {"date": f"{first_cr_on:%d/%m/%Y}"},
            )
        if relapses < 1:
            _add(errors, "relapses", _("After a CR/CRi and a relapse: at least 1."))
    return errors


def regimen_errors(
    *,
    regimen: str,
    regimen_other: str,
    started_on: dt.date | None,
    ended_on: dt.date | None,
    cytarabine_containing: bool | None,
    diagnosis_on: dt.date | None,
    screened_on: dt.date,
) -> Errors:
    """What a prior regimen refuses, keyed by field."""
    errors: Errors = {}
    _dates_within_history(
        errors, {"started_on": started_on, "ended_on": ended_on}, diagnosis_on, screened_on
    )
    if started_on and ended_on and ended_on < started_on:
        _add(
            errors,
            "ended_on",
            _("Cannot precede the start (%(date)s).") % {"date": f"{started_on:%d/%m/%Y}"},
        )
    other = regimen == prior_therapy.PriorRegimenName.OTHER
    if other and not regimen_other.strip():
        _add(errors, "regimen_other", _("Name the regimen."))
    if not other and regimen_other:
        _add(errors, "regimen_other", _("Only for 'Other'."))
    facts = prior_therapy.REGIMEN_FACTS.get(regimen)
    if other and cytarabine_containing is None:
        _add(errors, "cytarabine_containing", _("Say whether the regimen contained cytarabine."))
    if facts and cytarabine_containing is not None and cytarabine_containing != facts.cytarabine:
        _add(
            errors,
            "cytarabine_containing",
            (
                _("%(regimen)s contains cytarabine: leave it empty.")
                if facts.cytarabine
                else _("%(regimen)s contains no cytarabine: leave it empty.")
            )
            % {"regimen": prior_therapy.PriorRegimenName(regimen).label},
        )
    return errors
