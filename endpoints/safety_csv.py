"""The safety tables as CSV files, one per table, with the numbers the page shows.

Each file starts with a `#` line (study, table, cut-off, extraction time, `arms=withheld`
for a pooled reader) and ends with one giving the row count and the SHA-256 of the lines
between, as the dataset exports do; text cells go through `csv_cells.csv_cell` (no formula
runs in a spreadsheet). Columns are named CDISC-style: `<column>_<measure>`, the column
being DEX, CTRL and TOT by arm, TOT alone when pooled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone

import protocol
from endpoints.exports.csv_cells import CsvRows, csv_cell
from endpoints.percentages import percent_digits
from endpoints.safety_tables import Count, Group, SafetyTables

_PREFIX = {protocol.Arm.DEX.value: "DEX", protocol.Arm.CONTROL.value: "CTRL", "total": "TOT"}


def percent(count: Count) -> str:
    """Return the percentage as the page shows it (one decimal, a half rounded up)."""
    return "" if count.percent is None else percent_digits(count.percent)


def rate(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _per_group(groups: tuple[Group, ...], *measures: str) -> list[str]:
    return [f"{_PREFIX[g.code]}_{m}" for g in groups for m in measures]


def _counts(counts: tuple[Count, ...]) -> list[Any]:
    return [v for c in counts for v in (c.of, c.n, percent(c))]


def _patient_rows(rows_of: Callable[[SafetyTables], tuple]) -> Callable[[SafetyTables], list]:
    def table(t: SafetyTables) -> list[list[Any]]:
        header = ["PARAMCD", "PARAM", *_per_group(t.groups, "BIGN", "N", "PCT")]
        return [header, *([r.code, r.label, *_counts(r.counts)] for r in rows_of(t))]

    return table


def _incidence(t: SafetyTables) -> list[list[Any]]:
    header = [
        "AEBODSYS",
        "AEDECOD",
        *_per_group(t.groups, "BIGN", "ANY_N", "ANY_PCT", "GE3_N", "GE3_PCT"),
    ]
    rows = [
        [
            r.system_organ_class,
            r.preferred_term,
            *(
                v
                for any_grade, severe in r.cells
                for v in (any_grade.of, any_grade.n, percent(any_grade), severe.n, percent(severe))
            ),
        ]
        for r in t.incidence
    ]
    return [header, *rows]


def _special_interest(t: SafetyTables) -> list[list[Any]]:
    measures = ("BIGN", "PAT_N", "PAT_PCT", "EVENTS", "GE3_N", "GE3_PCT", "SER_N", "SER_PCT")
    rows = [
        [
            r.code,
            r.label,
            *(
                v
                for patients, events, severe, serious in r.cells
                for v in (
                    patients.of,
                    patients.n,
                    percent(patients),
                    events,
                    severe.n,
                    percent(severe),
                    serious.n,
                    percent(serious),
                )
            ),
        ]
        for r in t.special_interest
    ]
    return [["PARAMCD", "PARAM", *_per_group(t.groups, *measures)], *rows]


def _rates(t: SafetyTables) -> list[list[Any]]:
    measures = ("EXPMONTHS", "EVENTS", "EVENTS_PER100PM", "PAT_N", "PAT_PER100PM")
    rows = [
        [
            r.code,
            r.label,
            *(
                v
                for x in r.rates
                for v in (
                    rate(x.exposure_months),
                    x.events,
                    rate(x.events_per_100),
                    x.patients,
                    rate(x.patients_per_100),
                )
            ),
        ]
        for r in t.rates
    ]
    return [["PARAMCD", "PARAM", *_per_group(t.groups, *measures)], *rows]


def _listing(t: SafetyTables) -> list[list[Any]]:
    return [[c.name for c in t.listing_columns], *t.listing_cells]


# The name in the URL (/analyses/safety/<name>.csv): the rows of that table, header first.
SAFETY_CSV_TABLES: dict[str, Callable[[SafetyTables], list[list[Any]]]] = {
    "summary": _patient_rows(lambda t: t.summary),
    "worst-grade": _patient_rows(lambda t: t.worst_grade),
    "incidence": _incidence,
    "special-interest": _special_interest,
    "rates": _rates,
    "sae-listing": _listing,
}


def safety_csv(tables: SafetyTables, name: str) -> str:
    """Return one table as CSV text, between its two `#` lines."""
    extracted = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    rows = SAFETY_CSV_TABLES[name](tables)
    buffer = io.StringIO()
    CsvRows(buffer).write([csv_cell(cell) for cell in row] for row in rows)
    body = buffer.getvalue()
    arms = "" if tables.by_arm else "; arms=withheld"
    return (
        f"# {protocol.STUDY_ID} SAFETY {name.upper()}; cutoff={tables.cutoff.isoformat()}; "
        f"extracted_at={extracted}{arms}\n"
        f"{body}# rows={len(rows) - 1}; sha256={hashlib.sha256(body.encode()).hexdigest()}\n"
    )
