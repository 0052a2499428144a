"""What a CSV cell may start with: no text a spreadsheet would run as a formula.

A coordinator's free text (a note, an adverse event's term, a deviation's description) is
written into CSV files that sponsors open in spreadsheets. A cell starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is read there as a formula (`=HYPERLINK(...)`, DDE), so
such a text gets a leading single quote, as OWASP advises ("CSV injection"): the spreadsheet
shows it as text and the quote tells the reader it was added.

Only text is neutralised, decided by the type of the value before it is written: a `str`
in the Python writer, a column declared `text` in the SQL the database writes as CSV
(COPY). A number stays a number: -1.5 written from a float or a Decimal is not a formula.
The JSON exports keep every value as stored (no quote), and ODM is XML, not CSV.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from django.db.models import Case, Expression, TextField, Value, When
from django.db.models.functions import Concat, Left
from django.db.models.lookups import In

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

RULE = (
    "CSV only: a text cell starting with =, +, -, @, a tab or a carriage return gets a "
    "leading single quote (') so that a spreadsheet shows it as text, not as a formula. "
    "Only text columns: numbers, dates and flags are written as they are (-1.5 stays -1.5). "
    "The JSON export of the same dataset has the value as stored, without the quote."
)


def csv_cell(value: Any) -> Any:
    """Return the value as a CSV cell: a text that could run as a formula, quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def csv_text_sql(text: Expression) -> Expression:
    """Return `csv_cell` in SQL, for a text column that PostgreSQL writes as CSV itself."""
    return Case(
        When(
            In(Left(text, 1), list(FORMULA_STARTS)),
            then=Concat(Value(QUOTE), text, output_field=TextField()),
        ),
        default=text,
        output_field=TextField(),
    )


class CsvRows:
    """Write rows to a CSV stream with "\n" line ends, the exports' format.

    Python's csv module quotes a cell holding the line end, not one holding a bare carriage
    return, which readers then take for a line end: a row with one has its texts quoted.
    """

    def __init__(self, stream: TextIO):
        self._plain = csv.writer(stream, lineterminator="\n")
        self._quoted = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            carriage_return = any(isinstance(cell, str) and "\r" in cell for cell in row)
            (self._quoted if carriage_return else self._plain).writerow(row)
