"""Exports for statisticians: ADSL- and ADTTE-like datasets and the raw domain tables.

Each dataset is declared once (its columns, with labels and types, and how its rows are
produced); the CSV and JSON writers, the data dictionary and the tests all read the same
declaration. The raw tables are the casebook's declared forms (`casebook.site`): one table
per form, one column per declared field, labelled, typed and described as declared. Rows
are produced batch by batch inside one REPEATABLE READ transaction (`snapshot`), so an
export is one consistent snapshot and memory stays flat whatever the size of the trial.

While the trial runs, a reader who may not see the arms (randomization.blinding) gets every
dataset without the columns that tell the arm (`reveals_arm`: TRT01P, TRT01A, the declared
dexamethasone items): the writers ask, whoever calls them, so no export joins arms and
outcomes for a blinded role.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Case, F, Func, TextField, Value, When
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone, translation

import protocol
from accounts.models import User
from accounts.permissions import user_sees_every_site
from accounts.selectors import sites_visible_to
from biology.baseline import BASELINE_VARIABLES, BaselineVariable
from casebook.declarations import Form, Number
from casebook.registry import site as casebook
from endpoints import derivations
from endpoints.datasets import (
    Part,
    PatientFacts,
    best_response,
    imported_facts,
    last_known_alive,
    patient_facts,
    protocol_evaluation,
    time_to_event_rows,
)
from endpoints.exports.csv_cells import (
    FORMULA_STARTS,
    QUOTE,
    CsvRows,
    csv_cell,
    csv_text_sql,
)
from endpoints.exports.language import in_english
from endpoints.exports.snapshot import snapshot
from locks.selectors import locked_patient_share
from patients import history
from randomization.blinding import arms_visible_to
from randomization.models import Randomization

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): the exports read it in English.
    from django_stubs_ext import StrOrPromise

BATCH = 1000
SERVER_CURSOR_ROWS = 5000
COPY_BLOCK_CHARS = 1 << 16
JSON_ROWS = 500
# The parameters ADTTE carries; how each is derived is endpoints/derivations.py.
ADTTE_PARAMETERS = {code: derivations.DERIVATIONS[code].name for code in ("OS", "EFS", "LFS")}


@dataclass(frozen=True)
class Column:
    """One column, and what the data dictionary says of it.

    `entered` columns hold what a coordinator typed; the others are derived (identifiers,
    values the services set, analysis variables). `minimum`/`maximum` are the plausible
    range the services enforce.
    """

    name: str
    label: StrOrPromise  # read in English: the exports are (language.py)
    type: str  # text, integer, decimal, date, datetime, boolean
    value: Callable[[Any], Any]
    unit: str = ""
    minimum: Number | None = None
    maximum: Number | None = None
    help_text: StrOrPromise = ""
    entered: bool = False
    # The column tells the patient's arm: left out for a reader who may not see the arms.
    reveals_arm: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[User, dt.date], Iterator[Any]]
    uses_cutoff: bool = True
    preformatted: bool = False  # rows are tuples of text in column order
    # For raw tables: the SELECT (and params) whose text columns PostgreSQL writes as CSV.
    copy_query: Callable[[User], tuple[str, tuple]] | None = None


def _site_numbers(user: User) -> list[int] | None:
    """The site numbers a site-bound account sees; None (no limit) for the all-sites roles,
    whose view includes imported patients of sites not set up here."""
    if user_sees_every_site(user):
        return None
    return list(sites_visible_to(user).values_list("number", flat=True))


def _facts_in_batches(
    user: User, cutoff: dt.date, *, parts: frozenset[Part]
) -> Iterator[PatientFacts]:
    """The patients' facts, BATCH at a time, with the `parts` the dataset's columns read."""
    sites = _site_numbers(user)
    randomizations = Randomization.objects.all()
    if sites is not None:
        randomizations = randomizations.filter(patient__site__number__in=sites)
    ids = list(randomizations.order_by("randomized_at", "pk").values_list("patient_id", flat=True))
    for start in range(0, len(ids), BATCH):
        yield from patient_facts(
            cutoff, sites=sites, patient_ids=ids[start : start + BATCH], parts=parts
        )
    yield from imported_facts(cutoff, sites=sites)


def _usubjid(study_id: str) -> str:
    return f"{protocol.STUDY_ID}-{study_id}"


def _on_or_before(day: dt.date | None, cutoff: dt.date) -> dt.date | None:
    return day if day and day <= cutoff else None


@dataclass(frozen=True)
class _AdslRow:
    facts: PatientFacts
    cutoff: dt.date


def _adsl_rows(user: User, cutoff: dt.date) -> Iterator[_AdslRow]:
    # ADSL's columns read the disease history and the baseline biology, not the analyses'.
    for facts in _facts_in_batches(user, cutoff, parts=frozenset({"history", "biology"})):
        yield _AdslRow(facts, cutoff)


_ARM_CODE = {"dex": "DEX", "control": "CONTROL"}
_EVALUATION_HELP = (
    "The response assessment recorded with the timepoint of the patient's regimen "
    "(end_of_induction for intensive chemotherapy, post_cycle_3 for azacitidine: the raw "
    "responses table's TIMEPOINT), on or before the cut-off; empty when none is. EFS's "
    "induction failure is read from it (ADTTE parameters)."
)


def _baseline_biology(variable: BaselineVariable) -> Column:
    """An ADSL column of the baseline biology (biology/baseline.py); empty for a patient
    imported from the legacy system, who has no specimen here."""
    return Column(
        variable.name,
        variable.label,
        variable.type,
        lambda r: variable.value(r.facts.biology) if r.facts.biology is not None else None,
        help_text=variable.help_text,
    )


ADSL = Dataset(
    name="adsl",
    description="Subject-level analysis dataset: one row per randomized patient.",
    columns=(
        Column("STUDYID", "Study identifier", "text", lambda r: protocol.STUDY_ID),
        Column(
            "USUBJID", "Unique subject identifier", "text", lambda r: _usubjid(r.facts.study_id)
        ),
        Column("SUBJID", "Subject identifier for the study", "text", lambda r: r.facts.study_id),
        Column("SITEID", "Study site identifier", "text", lambda r: r.facts.site),
        Column("SEX", "Sex", "text", lambda r: r.facts.sex),
        Column(
            "AGE",
            "Age at informed consent (years)",
            "integer",
            lambda r: r.facts.age,
            unit="years",
        ),
        Column(
            "TRT01P",
            "Planned treatment (arm as randomized)",
            "text",
            lambda r: _ARM_CODE[r.facts.arm],
            reveals_arm=True,
        ),
        Column(
            "TRT01A",
            "Actual treatment (intention to treat: as randomized)",
            "text",
            lambda r: _ARM_CODE[r.facts.arm],
            reveals_arm=True,
        ),
        Column("RANDDT", "Date of randomization", "date", lambda r: r.facts.randomized_on),
        Column(
            "STRAT1R", "Stratum 1 as randomized: salvage regimen", "text", lambda r: r.facts.regimen
        ),
        Column("STRAT2R", "Stratum 2 as randomized: site", "text", lambda r: r.facts.site),
        Column(
            "STRAT3R",
            "Stratum 3 as randomized: disease status (relapsed / refractory)",
            "text",
            lambda r: r.facts.disease_status,
        ),
        Column("REGIMEN", "Salvage regimen", "text", lambda r: r.facts.regimen),
        Column(
            "DISSTDER",
            "Disease status at study entry, derived from the disease history",
            "text",
            lambda r: r.facts.history.disease_status_derived or None,
            help_text=history.STATUS_HELP,
        ),
        Column(
            "CR1DUR",
            "Duration of the first complete remission (CR1)",
            "integer",
            lambda r: r.facts.history.cr1_days,
            unit="days",
            help_text=history.CR1_HELP,
        ),
        Column(
            "CR1DURGR",
            "First relapse early or late (CR1 < or >= 12 months)",
            "text",
            lambda r: r.facts.history.relapse_timing or None,
            help_text=history.RELAPSE_TIMING_HELP,
        ),
        Column(
            "PRIORHSCT",
            "Prior allo-HSCT (screening)",
            "boolean",
            lambda r: r.facts.history.prior_hsct,
        ),
        Column(
            "PRHSCTDT",
            "Date of the prior allo-HSCT (disease history)",
            "date",
            lambda r: r.facts.history.prior_hsct_on,
        ),
        Column(
            "PRIORLINES",
            "Prior lines of therapy, counted from the prior regimens",
            "integer",
            lambda r: r.facts.history.prior_lines_counted,
            help_text=history.LINES_HELP,
        ),
        Column(
            "PRIORARA",
            "Prior cytarabine exposure (any prior regimen with cytarabine)",
            "boolean",
            lambda r: r.facts.history.prior_cytarabine,
            help_text=history.CYTARABINE_HELP,
        ),
        *(_baseline_biology(variable) for variable in BASELINE_VARIABLES),
        Column(
            "EOTDT",
            "Date of end of treatment",
            "date",
            lambda r: _on_or_before(r.facts.end_of_treatment_on, r.cutoff),
        ),
        Column(
            "HSCTDT",
            "Date of allo-HSCT",
            "date",
            lambda r: _on_or_before(r.facts.hsct_on, r.cutoff),
        ),
        Column(
            "DTHDT", "Date of death", "date", lambda r: _on_or_before(r.facts.death_on, r.cutoff)
        ),
        Column(
            "LSTALVDT",
            "Last date known alive (on or before the cut-off)",
            "date",
            lambda r: (
                None
                if _on_or_before(r.facts.death_on, r.cutoff)
                else last_known_alive(r.facts, r.cutoff)
            ),
        ),
        Column(
            "EVALDT",
            "Date of the protocol evaluation",
            "date",
            lambda r: getattr(protocol_evaluation(r.facts, r.cutoff), "on", None),
            help_text=_EVALUATION_HELP,
        ),
        Column(
            "EVALRSP",
            "Response at the protocol evaluation",
            "text",
            lambda r: getattr(protocol_evaluation(r.facts, r.cutoff), "category", None),
            help_text=_EVALUATION_HELP,
        ),
        Column(
            "BESTRSP",
            "Best response to protocol treatment",
            "text",
            lambda r: best_response(r.facts, r.cutoff),
            help_text=f"{derivations.RESPONSES_TO_PROTOCOL_TREATMENT} {derivations.BEST_RESPONSE}",
        ),
    ),
    rows=_adsl_rows,
)


def _adtte_rows(user: User, cutoff: dt.date):
    # ADTTE reads only the dates and responses the endpoints are derived from.
    for facts in _facts_in_batches(user, cutoff, parts=frozenset()):
        for row in time_to_event_rows([facts], cutoff, parameters=ADTTE_PARAMETERS):
            yield facts, row


ADTTE = Dataset(
    name="adtte",
    description="Time-to-event analysis dataset: one row per patient and parameter "
    "(OS, EFS; LFS for patients in CR/CRi). AVAL in days from STARTDT. How each parameter "
    "is derived (population, start, event, event date, censoring and its date): this "
    "dataset's `parameters` in the data dictionary.",
    columns=(
        Column("STUDYID", "Study identifier", "text", lambda r: protocol.STUDY_ID),
        Column("USUBJID", "Unique subject identifier", "text", lambda r: _usubjid(r[1].study_id)),
        Column("SITEID", "Study site identifier", "text", lambda r: r[0].site),
        Column(
            "TRT01P", "Planned treatment", "text", lambda r: _ARM_CODE[r[0].arm], reveals_arm=True
        ),
        Column("PARAMCD", "Parameter code", "text", lambda r: r[1].parameter),
        Column("PARAM", "Parameter", "text", lambda r: ADTTE_PARAMETERS[r[1].parameter]),
        Column("AVAL", "Analysis value (days)", "integer", lambda r: r[1].days, unit="days"),
        Column("CNSR", "Censoring (1 = censored, 0 = event)", "integer", lambda r: r[1].censored),
        Column("STARTDT", "Time-to-event origin date", "date", lambda r: r[1].start_on),
        Column("ADT", "Analysis date (event or censoring)", "date", lambda r: r[1].end_on),
        Column(
            "EVNTDESC",
            "Event or censoring description",
            "text",
            lambda r: r[1].description,
            help_text="Death; Relapse; Induction failure: why (dated at randomization, e.g. "
            "'Induction failure: resistant at the end-of-induction evaluation'); Censored: "
            "last known alive; Censored: protocol evaluation not yet reached (EFS).",
        ),
    ),
    rows=_adtte_rows,
)


def _as_text(field: str, kind: str):
    """SQL rendering of a column as the exports write it, so PostgreSQL formats the cells.

    Dates as YYYY-MM-DD, date-times in UTC as ISO 8601 with microseconds, booleans as Y/N:
    the same text the Python writer gives the derived datasets.
    """
    if kind == "boolean":
        return Case(
            When(**{field: True}, then=Value("Y")),
            When(**{field: False}, then=Value("N")),
            default=Value(None),
            output_field=TextField(),
        )
    if kind == "datetime":
        return Func(
            F(field),
            function="to_char",
            template=(
                "to_char(%(expressions)s AT TIME ZONE 'UTC', "
                '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')'
            ),
            output_field=TextField(),
        )
    return Cast(F(field), output_field=TextField())


def _raw_table(form: Form, *, arms: bool = True) -> Dataset:
    """The raw table of a declared form, rendered as text by the database: the fast path
    for large exports. Its columns: the patient, every declared field, the values computed
    when read (a TEAE flag), the last change. Without `arms`, the fields that tell the arm
    are left out (a blinded reader's table)."""
    fields = tuple(n for n in form.field_names if arms or not form.item(n).reveals_arm)
    types = {name: form.data_type(name) for name in fields}
    computed = {value.name: value for value in form.computed}
    expressions = {
        "c_usubjid": Concat(
            Value(f"{protocol.STUDY_ID}-"), F("patient__study_id"), output_field=TextField()
        ),
        "c_siteid": LPad(Cast(F("patient__site__number"), output_field=TextField()), 2, Value("0")),
        **{f"c_{name}": _as_text(name, types[name]) for name in fields},
        **{f"c_{name}": _as_text(name, value.data_type) for name, value in computed.items()},
        "c_updated_at": _as_text("updated_at", "datetime"),
    }
    text_columns = {
        "c_usubjid",
        "c_siteid",
        *(f"c_{name}" for name in fields if types[name] == "text"),
        *(f"c_{name}" for name, value in computed.items() if value.data_type == "text"),
    }
    # For CSV, the declared text columns as csv_cell writes them (no formula); JSON keeps them.
    in_csv = {
        alias: csv_text_sql(expression) if alias in text_columns else expression
        for alias, expression in expressions.items()
    }

    def query(user: User, *, cells: dict[str, Any] = expressions) -> tuple[str, tuple]:
        return (
            form.with_computed(
                form.model._default_manager.filter(patient__site__in=sites_visible_to(user))
            )
            .order_by("pk")
            .annotate(**cells)
            .values_list(*cells)
            .query.sql_with_params()
        )

    def csv_query(user: User) -> tuple[str, tuple]:
        return query(user, cells=in_csv)

    def rows(user: User, cutoff: dt.date):
        # The ORM writes the SQL; a server-side cursor of the driver reads the text rows in
        # blocks, skipping per-row conversions the cells (already text) do not need.
        sql, params = query(user)
        connection.ensure_connection()
        with connection.connection.cursor(name=f"export_{form.name.replace('-', '_')}") as cursor:
            cursor.itersize = SERVER_CURSOR_ROWS
            cursor.execute(sql, params)
            while block := cursor.fetchmany(SERVER_CURSOR_ROWS):
                yield from block

    def declared(position: int, name: str) -> Column:
        item = form.item(name)
        return Column(
            name.upper(),
            form.label(name),
            types[name],
            itemgetter(position),
            unit=item.unit,
            minimum=item.minimum,
            maximum=item.maximum,
            help_text=form.help_text(name),
            entered=item.entered,
            reveals_arm=item.reveals_arm,
        )

    def derived(position: int, name: str) -> Column:
        value = computed[name]
        return Column(
            name.upper(),
            value.label,
            value.data_type,
            itemgetter(position),
            help_text=value.help_text,
        )

    columns = (
        Column("USUBJID", "Unique subject identifier", "text", itemgetter(0)),
        Column("SITEID", "Study site identifier", "text", itemgetter(1)),
        *(declared(i + 2, name) for i, name in enumerate(fields)),
        *(derived(i + 2 + len(fields), name) for i, name in enumerate(computed)),
        Column(
            "UPDATED_AT",
            "Last changed (UTC)",
            "datetime",
            itemgetter(len(fields) + len(computed) + 2),
            help_text="When the record was last written; to pick up changes since an export.",
        ),
    )
    return Dataset(
        name=form.name,
        description=form.export_description or f"{form.plural} (raw).",
        columns=columns,
        rows=rows,
        uses_cutoff=False,
        preformatted=True,
        copy_query=csv_query,
    )


@functools.cache
def datasets(*, arms: bool = True) -> dict[str, Dataset]:
    """Every export by name: ADSL, ADTTE, then one raw table per declared form, in timeline
    order (built once the casebook is complete, then kept). Without `arms`: each as a
    reader who may not see the arms gets it, without the columns that tell the arm."""
    if not apps.ready:
        raise ImproperlyConfigured("The exports are read once the casebook is complete.")
    # The analysis datasets declared in their own modules, which build on this one.
    from endpoints.exports.adcm import ADCM
    from endpoints.exports.adlb import ADLB
    from endpoints.exports.admrd import ADMRD

    analysis = (ADSL, ADTTE, ADMRD, ADCM, ADLB)
    derived = analysis if arms else tuple(_without_arms(d) for d in analysis)
    # Kept for the process's life: the labels read in English, whoever asked first.
    with translation.override("en"):
        raw = tuple(_raw_table(form, arms=arms) for form in casebook)
    return {d.name: d for d in (*derived, *raw)}


def _without_arms(dataset: Dataset) -> Dataset:
    if dataset.preformatted:  # its rows are text in column order: built without them
        raise ImproperlyConfigured(f"{dataset.name}: a raw table is built without the arms.")
    return replace(dataset, columns=tuple(c for c in dataset.columns if not c.reveals_arm))


def dataset_seen_by(dataset: Dataset, user: User) -> Dataset:
    """Return the dataset as this account may read it: whole for an account that may see
    the arms (randomization.blinding), else without the columns that tell the arm."""
    if arms_visible_to(user):
        return dataset
    blinded = datasets(arms=False)
    return blinded[dataset.name] if dataset.name in blinded else _without_arms(dataset)


def arm_columns(dataset: Dataset) -> list[str]:
    """The dataset's columns that tell the arm (withheld from blinded readers)."""
    return [c.name for c in dataset.columns if c.reveals_arm]


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    return value


def _csv_text(value: Any) -> Any:
    """`_text(csv_cell(value))`, with a plain text (most cells) decided first."""
    if type(value) is str:
        return QUOTE + value if value.startswith(FORMULA_STARTS) else value
    return _text(csv_cell(value))


def _csv_cells(dataset: Dataset) -> Callable[[Any], list[Any]]:
    """Return the function giving a row's cells for CSV, text neutralised by csv_cell
    (decided by the value's type; a preformatted row is all text already, so by the
    column's declared type). Built once per export: the columns' lookups are not repeated
    for each of the rows."""
    if dataset.preformatted:
        cells = tuple((c.value, c.type == "text") for c in dataset.columns)
        return lambda row: [csv_cell(value(row)) if text else value(row) for value, text in cells]
    values = tuple(c.value for c in dataset.columns)
    return lambda row: [_csv_text(value(row)) for value in values]


class _CopyCancelled(Exception):
    """The client went away: stop PostgreSQL's COPY."""


class _CopyStream:
    """PostgreSQL's own COPY ... TO STDOUT WITH CSV, streamed as it comes.

    The COPY runs in a helper thread on the request's connection and transaction (so it
    reads the same snapshot); a small bounded queue hands its blocks to the response, which
    keeps memory flat and lets a slow client slow the COPY down. If the client disconnects,
    the generator closes, the COPY is cancelled and the transaction ends.
    """

    def __init__(self, sql: str, params: tuple):
        self.sql, self.params, self.rows = sql, params, 0

    def __iter__(self) -> Iterator[str]:
        blocks: queue.Queue = queue.Queue(maxsize=16)
        cancelled = threading.Event()
        outcome: dict[str, Any] = {}

        class Sink:
            """Gathers the rows (the driver writes them one by one) into ~64 KiB blocks."""

            def __init__(self) -> None:
                self.parts: list[str] = []
                self.size = 0

            def write(self, data) -> None:
                if cancelled.is_set():
                    raise _CopyCancelled
                text = data.decode() if isinstance(data, bytes) else data
                self.parts.append(text)
                self.size += len(text)
                if self.size >= COPY_BLOCK_CHARS:
                    self.flush()

            def flush(self) -> None:
                if self.parts:
                    blocks.put("".join(self.parts))
                    self.parts, self.size = [], 0

        connection.ensure_connection()
        # Django's connection is per thread: hand the request thread's own to the helper.
        raw = connection.connection

        def copy() -> None:
            try:
                with raw.cursor() as cursor:
                    statement = cursor.mogrify(
                        f"COPY ({self.sql}) TO STDOUT WITH (FORMAT csv)", self.params
                    )
                    sink = Sink()
                    cursor.copy_expert(statement, sink, size=1 << 16)
                    sink.flush()
                    outcome["rows"] = cursor.rowcount
            except BaseException as exc:
                outcome["error"] = exc
            finally:
                blocks.put(None)

        worker = threading.Thread(target=copy, name="export-copy", daemon=True)
        worker.start()
        try:
            while (block := blocks.get()) is not None:
                yield block
        finally:
            cancelled.set()
            while worker.is_alive():  # let a blocked put finish so the thread can end
                with contextlib.suppress(queue.Empty):
                    blocks.get(timeout=0.05)
            worker.join()
        if "error" in outcome:
            raise outcome["error"]
        self.rows = outcome["rows"]


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_csv(dataset: Dataset, user: User, cutoff: dt.date) -> Iterator[str]:
    """Stream the dataset as CSV: comment lines with the cut-off and extraction time first,
    the columns, the rows, and a last comment line with the SHA-256 of the lines between.
    `arms=withheld` says the columns that tell the arm were left out for this reader. In
    English, whatever the reader's language."""
    return in_english(_export_csv(dataset, user, cutoff))


def _export_csv(dataset: Dataset, user: User, cutoff: dt.date) -> Iterator[str]:
    extracted = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    whole = dataset
    dataset = dataset_seen_by(dataset, user)
    locks = locked_patient_share()
    yield (
        f"# {protocol.STUDY_ID} {dataset.name.upper()}; cutoff="
        f"{cutoff.isoformat() if dataset.uses_cutoff else 'none'}; extracted_at={extracted}; "
        f"locked_patients={locks['locked']}/{locks['randomized']}"
        f"{'; arms=withheld' if dataset is not whole and arm_columns(whole) else ''}\n"
    )
    digest = hashlib.sha256()
    buffer = io.StringIO()
    writer = CsvRows(buffer)
    writer.write([[c.name for c in dataset.columns]])
    if dataset.copy_query is not None:
        header = buffer.getvalue()
        digest.update(header.encode())
        yield header
        copied = _CopyStream(*dataset.copy_query(user))
        for chunk in snapshot(lambda: iter(copied)):
            digest.update(chunk.encode())
            yield chunk
        yield f"# rows={copied.rows}; sha256={digest.hexdigest()}\n"
        return
    count = 0
    cells = _csv_cells(dataset)
    for batch in _batches(snapshot(lambda: dataset.rows(user, cutoff)), 2000):
        writer.write(map(cells, batch))
        count += len(batch)
        chunk = buffer.getvalue()
        digest.update(chunk.encode())
        yield chunk
        buffer.seek(0)
        buffer.truncate()
    chunk = buffer.getvalue()
    digest.update(chunk.encode())
    yield chunk
    yield f"# rows={count}; sha256={digest.hexdigest()}\n"


def export_json(dataset: Dataset, user: User, cutoff: dt.date) -> Iterator[str]:
    """Stream the dataset as one JSON object; `sha256` covers the `rows` array as sent.
    `arms_withheld` names the columns that tell the arm, left out for this reader. In
    English, whatever the reader's language."""
    return in_english(_export_json(dataset, user, cutoff))


def _export_json(dataset: Dataset, user: User, cutoff: dt.date) -> Iterator[str]:
    extracted = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    whole = dataset
    dataset = dataset_seen_by(dataset, user)
    head = {
        "study": protocol.STUDY_ID,
        "dataset": dataset.name.upper(),
        "cutoff": cutoff.isoformat() if dataset.uses_cutoff else None,
        "extracted_at": extracted,
        "data_locks": locked_patient_share(),
        "arms_withheld": [] if dataset is whole else arm_columns(whole),
        "columns": [c.name for c in dataset.columns],
    }
    yield json.dumps(head)[:-1] + ', "rows": ['
    digest = hashlib.sha256()
    count = 0
    names = tuple(c.name for c in dataset.columns)
    values = tuple(c.value for c in dataset.columns)
    encode = json.JSONEncoder(default=str).encode  # json.dumps(..., default=str), built once
    pieces: list[str] = []
    for row in snapshot(lambda: dataset.rows(user, cutoff)):
        cells = (
            [value(row) for value in values]
            if dataset.preformatted
            else [_text(value(row)) for value in values]
        )
        pieces.append(("," if count else "") + encode(dict(zip(names, cells, strict=True))))
        count += 1
        # Sent JSON_ROWS rows at a time: still streamed, without a piece (and a switch to
        # English) per row.
        if len(pieces) == JSON_ROWS:
            yield _hashed("".join(pieces), digest)
            pieces = []
    if pieces:
        yield _hashed("".join(pieces), digest)
    yield f'], "row_count": {count}, "sha256": "{digest.hexdigest()}"}}'


def _hashed(text: str, digest: Any) -> str:
    digest.update(text.encode())
    return text


def _number(value: Number | None) -> int | float | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _parameters() -> list[dict[str, str]]:
    """How each ADTTE parameter is derived (endpoints/derivations.py)."""
    return [asdict(derivations.DERIVATIONS[code]) for code in ADTTE_PARAMETERS]


def _adlb_parameters() -> list[dict[str, str]]:
    """How each ADLB parameter is measured or derived (labs/derivations.py)."""
    from endpoints.exports.adlb import parameters

    return parameters()


def data_dictionary() -> list[dict[str, Any]]:
    """Describe every dataset and column, for the dictionary endpoint: a raw table's
    columns as their form declares them (label, unit, plausible range, help text, and
    whether a coordinator enters the value or the system derives it); for each dataset, the
    columns withheld from a reader who may not see the arms."""
    return [
        {
            "dataset": d.name,
            "description": d.description,
            "uses_cutoff": d.uses_cutoff,
            # Left out for a reader who may not see the arms while the trial runs.
            "withheld_while_blinded": arm_columns(d),
            **({"parameters": _parameters()} if d.name == ADTTE.name else {}),
            **({"parameters": _adlb_parameters()} if d.name == "adlb" else {}),
            "columns": [
                {
                    "name": c.name,
                    "label": c.label,
                    "type": c.type,
                    "unit": c.unit,
                    "minimum": _number(c.minimum),
                    "maximum": _number(c.maximum),
                    "help_text": c.help_text,
                    "origin": "entered" if c.entered else "derived",
                }
                for c in d.columns
            ],
        }
        for d in datasets().values()
    ]
