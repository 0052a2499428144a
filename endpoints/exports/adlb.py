"""ADLB: the laboratory analysis dataset of the blood counts (ADaM BDS-like).

One row per sample and count (PARAMCD ANC, PLAT, HGB, WBC, PBLAST), then, for each cycle
with counts, its derived parameters (DTYPE = DERIVED): the duration of myelosuppression
(ANCL05D, PLTL50D, in days) and the day of count recovery (ANCR05, ANCR10, PLTR50, PLTR100,
with CNSR = 1 when not reached and the reason in EVNTDESC). How each is derived is
labs/derivations.py, published in the data dictionary as this dataset's `parameters`.
Everything dated on or before the cut-off; no column tells the arm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import protocol
from accounts.models import User
from accounts.selectors import sites_visible_to
from endpoints.exports.tables import Column, Dataset
from labs.derivations import DEFINITIONS, NOT_APPLICABLE, CycleCounts, cycle_day
from labs.models import BloodCount
from labs.selectors import lab_courses
from patients.models import Patient

BATCH = 500
GIGA_PER_LITRE = "×10⁹/L"
# The counts measured: code, name, the BloodCount field, unit.
MEASURED = (
    ("ANC", "Absolute neutrophil count", "anc", GIGA_PER_LITRE),
    ("PLAT", "Platelets", "platelets", GIGA_PER_LITRE),
    ("HGB", "Haemoglobin", "haemoglobin", "g/dL"),
    ("WBC", "White blood cells", "wbc", GIGA_PER_LITRE),
    ("PBLAST", "Peripheral blasts", "peripheral_blasts_pct", "%"),
)
DERIVED_NAMES = {
    "ANCL05D": "Days with ANC < 0.5 ×10⁹/L in the cycle",
    "PLTL50D": "Days with platelets < 50 ×10⁹/L in the cycle",
    "ANCR05": "Day of neutrophil recovery (ANC ≥ 0.5 ×10⁹/L)",
    "ANCR10": "Day of neutrophil recovery (ANC ≥ 1.0 ×10⁹/L)",
    "PLTR50": "Day of platelet recovery (≥ 50 ×10⁹/L, transfusion-free)",
    "PLTR100": "Day of platelet recovery (≥ 100 ×10⁹/L, transfusion-free)",
}
PARAMETERS = {
    **{code: f"{name} ({unit})" for code, name, _, unit in MEASURED},
    **DERIVED_NAMES,
}


@dataclass(frozen=True)
class AdlbRow:
    study_id: str
    site: str
    cycle: int
    parameter: str
    value: Decimal | int | None
    unit: str
    on: dt.date | None
    day: int | None
    derived: bool = False
    censored: int | None = None
    description: str = ""


def _measured(study_id: str, site: str, count: BloodCount, started_on: dt.date):
    for code, _, field, unit in MEASURED:
        value = getattr(count, field)
        if value is not None:
            yield AdlbRow(
                study_id,
                site,
                count.cycle_number,
                code,
                value,
                unit,
                count.sampled_on,
                cycle_day(started_on, count.sampled_on),
            )


def _derived(study_id: str, site: str, cycle: CycleCounts):
    for code, days in (
        ("ANCL05D", cycle.days_anc_below_0_5),
        ("PLTL50D", cycle.days_platelets_below_50),
    ):
        yield AdlbRow(study_id, site, cycle.cycle_number, code, days, "days", None, None, True)
    for code, recovery in cycle.recoveries.items():
        applicable = recovery.status != NOT_APPLICABLE
        yield AdlbRow(
            study_id,
            site,
            cycle.cycle_number,
            code,
            recovery.day,
            "day" if applicable else "",
            recovery.on,
            recovery.day,
            True,
            int(recovery.censored) if applicable else None,
            recovery.reason or "Recovered",
        )


def _rows(user: User, cutoff: dt.date) -> Iterator[AdlbRow]:
    patients = (
        Patient.objects.filter(site__in=sites_visible_to(user), randomization__isnull=False)
        .order_by("study_id")
        .values_list("pk", "study_id", "site__number")
    )
    listed = list(patients)
    for start in range(0, len(listed), BATCH):
        batch = listed[start : start + BATCH]
        courses = lab_courses(patient_ids=[pk for pk, _, _ in batch], cutoff=cutoff)
        for pk, study_id, site_number in batch:
            site = f"{site_number:02d}"  # as Site.code writes it
            course = courses.get(pk)
            if course is None or not course.counts:
                continue
            for count in course.counts:
                started_on = course.cycle_started_on(count.cycle_number)
                if started_on is not None:
                    yield from _measured(study_id, site, count, started_on)
            for cycle in course.derived:
                if any(c.cycle_number == cycle.cycle_number for c in course.counts):
                    yield from _derived(study_id, site, cycle)


def parameters() -> list[dict[str, str]]:
    """How each parameter is measured or derived, for the data dictionary."""
    measured = [
        {
            "code": code,
            "name": PARAMETERS[code],
            "derivation": "As entered on the blood-count form.",
        }
        for code, *_ in MEASURED
    ]
    derived = [
        {"code": code, "name": name, "derivation": DEFINITIONS[code]}
        for code, name in DERIVED_NAMES.items()
    ]
    return measured + derived


ADLB = Dataset(
    name="adlb",
    description="Laboratory analysis dataset (blood counts): one row per sample and count "
    "(PARAMCD ANC, PLAT, HGB, WBC, PBLAST), then per cycle with counts its derived "
    "parameters (DTYPE DERIVED): days with ANC < 0.5 and platelets < 50 ×10⁹/L, and the day "
    "of neutrophil and platelet recovery (CNSR 1: not reached, why in EVNTDESC). How each "
    "is derived: this dataset's `parameters` in the data dictionary.",
    columns=(
        Column("STUDYID", "Study identifier", "text", lambda r: protocol.STUDY_ID),
        Column(
            "USUBJID",
            "Unique subject identifier",
            "text",
            lambda r: f"{protocol.STUDY_ID}-{r.study_id}",
        ),
        Column("SITEID", "Study site identifier", "text", lambda r: r.site),
        Column("CYCLE", "Treatment cycle", "integer", lambda r: r.cycle),
        Column("PARAMCD", "Parameter code", "text", lambda r: r.parameter),
        Column("PARAM", "Parameter", "text", lambda r: PARAMETERS[r.parameter]),
        Column("AVAL", "Analysis value", "decimal", lambda r: r.value),
        Column("AVALU", "Analysis value unit", "text", lambda r: r.unit),
        Column(
            "ADT",
            "Analysis date",
            "date",
            lambda r: r.on,
            help_text="The sample's date; for a recovery, the day recovered or censored; "
            "empty for a duration.",
        ),
        Column(
            "ADY",
            "Analysis day of the cycle",
            "integer",
            lambda r: r.day,
            unit="days",
            help_text="Day of the cycle: its start is day 1 (there is no day 0).",
        ),
        Column("DTYPE", "Derivation type", "text", lambda r: "DERIVED" if r.derived else None),
        Column(
            "CNSR",
            "Censoring (1 = recovery not reached, 0 = reached)",
            "integer",
            lambda r: r.censored,
        ),
        Column(
            "EVNTDESC",
            "Recovery or censoring description",
            "text",
            lambda r: r.description or None,
        ),
    ),
    rows=_rows,
)
