"""The randomized patients of a data cut-off as columns, read table by table, for the analysis.

The worker's analysis needs a handful of dates and codes per patient, not the records: one
set-based statement per clinical table, none joined to another, has PostgreSQL send the
table's rows as integer arrays, a block of its pages at a time (COPY ... BINARY); numpy
reduces them into the patients' columns at their positions (last contact, the protocol
evaluation, the first remission, the first relapse after it, the best response, ...),
applying the rules of endpoints/datasets.py that depend on the cut-off. Memory is the
columns and one block, whatever the trial's size. `Cohort.of_facts` builds the same columns
from PatientFacts with the functions of endpoints/datasets.py, which stay the rules: the
tests hold the two equal, and the time-to-event derivation on columns
(endpoints/cohort_derivations.py) equal to theirs row by row.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import protocol
from endpoints.cohort_memory import release_freed_memory
from endpoints.cohort_snapshot import Beside
from endpoints.datasets import (
    _BEST_FIRST,
    REMISSION,
    PatientFacts,
    best_response,
    protocol_evaluation,
)
from endpoints.mrd_negativity import is_mrd_negative
from endpoints.selectors import SUBGROUP_GENES
from labs.derivations import CycleCounts

EPOCH = dt.date(1970, 1, 1)
NO_DAY = np.iinfo(np.int32).max  # no such date: after every date
ARMS = ("", protocol.Arm.DEX.value, protocol.Arm.CONTROL.value)
REGIMENS = ("", *protocol.Regimen.values)
STRATUM_LEVELS = ("", "relapsed", "refractory")
MUTATION_VALUES = ("", *protocol.MutationResult.values)
ELN_VALUES = ("", *protocol.ElnRisk.values)
NO_RESPONSE = len(_BEST_FIRST)  # best response code of a patient without one
MEASURE_CODES = ("ANCL05D", "PLTL50D", "ANCR05", "PLTR50")  # endpoints/myelosuppression.py
# Labels of each coded column (code = index).
LABELS: dict[str, tuple[str, ...]] = {
    "arm": ARMS,
    "regimen": REGIMENS,
    "disease_status": STRATUM_LEVELS,
    "eln_risk": ELN_VALUES,
    **{gene: MUTATION_VALUES for gene in SUBGROUP_GENES},
}


def day(on: dt.date | None) -> int:
    return NO_DAY if on is None else (on - EPOCH).days


def date_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


@dataclass
class Cohort:
    """One entry per randomized patient (imported legacy outcomes included), in the order of
    randomization: codes index LABELS, dates are day numbers (NO_DAY: none)."""

    cutoff: dt.date
    patient_ids: np.ndarray  # Patient ids; 0 for imported outcomes and facts read before
    arm: np.ndarray
    regimen: np.ndarray
    disease_status: np.ndarray
    imported: np.ndarray
    randomized: np.ndarray
    death: np.ndarray
    hsct: np.ndarray
    end_of_treatment: np.ndarray
    left_study: np.ndarray
    last_contact: np.ndarray  # latest contact, on or before death (any date)
    evaluation: np.ndarray  # the protocol evaluation by the cut-off (its date)
    first_remission: np.ndarray  # first CR/CRi in response to protocol treatment
    remission_by_evaluation: np.ndarray  # the same, on or before the evaluation
    progression: np.ndarray  # first progression or follow-up relapse by the cut-off
    relapse_after_remission: np.ndarray  # first relapse after first_remission, by the cut-off
    relapse_after_remission_by_evaluation: np.ndarray
    best_response: np.ndarray  # index in _BEST_FIRST; NO_RESPONSE when none
    mrd_negative: np.ndarray
    baseline: dict[str, np.ndarray] = field(default_factory=dict)  # SUBGROUP_GENES, eln_risk
    # Cycle 1's myelosuppression: per measure, the value (NaN: none) and "not reached".
    measure_values: dict[str, np.ndarray] = field(default_factory=dict)
    measure_censored: dict[str, np.ndarray] = field(default_factory=dict)
    has_counts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.arm)

    @property
    def nbytes(self) -> int:
        """The size of the numeric arrays (what the analysis holds per patient)."""
        total = 0
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                total += value.nbytes
            elif isinstance(value, dict):
                total += sum(a.nbytes for a in value.values())
        return total

    def codes(self, column: str) -> np.ndarray:
        """A coded column (its values index LABELS[column])."""
        return self.baseline[column] if column in self.baseline else getattr(self, column)

    def labels(self, column: str) -> np.ndarray:
        """The column's values as strings (an object array sharing a few string objects)."""
        return np.array(LABELS[column], dtype=object)[self.codes(column)]

    @classmethod
    def of_facts(cls, facts: Sequence[PatientFacts], cutoff: dt.date) -> Cohort:
        """The columns of patients already read (small trials, tests), by the rules of
        endpoints/datasets.py."""
        rows = [_facts_row(f, cutoff) for f in facts]
        baseline: dict[str, np.ndarray] = {
            key: np.array([_code(key, f.baseline.get(key, "")) for f in facts], dtype=np.int8)
            for key in (*SUBGROUP_GENES, "eln_risk")
        }
        columns: dict[str, Any] = {
            name: np.array([r[name] for r in rows], dtype=dtype).reshape(len(rows))
            for name, dtype in _COLUMN_TYPES.items()
        }
        cohort = cls(
            cutoff=cutoff,
            patient_ids=np.zeros(len(facts), dtype=np.int64),
            **columns,
            baseline=baseline,
        )
        _set_measures(cohort, [f.first_cycle_counts for f in facts])
        return cohort


_COLUMN_TYPES = {
    "arm": np.int8,
    "regimen": np.int8,
    "disease_status": np.int8,
    "imported": bool,
    "randomized": np.int32,
    "death": np.int32,
    "hsct": np.int32,
    "end_of_treatment": np.int32,
    "left_study": np.int32,
    "last_contact": np.int32,
    "evaluation": np.int32,
    "first_remission": np.int32,
    "remission_by_evaluation": np.int32,
    "progression": np.int32,
    "relapse_after_remission": np.int32,
    "relapse_after_remission_by_evaluation": np.int32,
    "best_response": np.int8,
    "mrd_negative": bool,
}


def _code(column: str, value: str) -> int:
    """The value's code in the column (0, no value, for one the column does not know)."""
    labels = LABELS[column]
    return labels.index(value) if value in labels else 0


def _first(days: list[dt.date]) -> int:
    return day(min(days)) if days else NO_DAY


def _facts_row(f: PatientFacts, cutoff: dt.date) -> dict[str, object]:
    """One patient's columns from the functions of endpoints/datasets.py."""
    from endpoints.datasets import _first_remission, _relapses

    contacts = [d for d in f.contact_dates if f.death_on is None or d <= f.death_on]
    row: dict[str, object] = {
        "arm": _code("arm", f.arm),
        "regimen": _code("regimen", f.regimen),
        "disease_status": _code("disease_status", f.disease_status),
        "imported": f.imported,
        "randomized": day(f.randomized_on),
        "death": day(f.death_on),
        "hsct": day(f.hsct_on),
        "end_of_treatment": day(f.end_of_treatment_on),
        "left_study": day(f.left_study_on),
        "last_contact": _first([]) if not contacts else day(max(contacts)),
    }
    if f.imported:
        nothing = dict.fromkeys(
            (
                "evaluation",
                "first_remission",
                "remission_by_evaluation",
                "progression",
                "relapse_after_remission",
                "relapse_after_remission_by_evaluation",
            ),
            NO_DAY,
        )
        return {**row, **nothing, "best_response": NO_RESPONSE, "mrd_negative": False}
    evaluation = protocol_evaluation(f, cutoff)
    first = _first_remission(f, cutoff)
    by_evaluation = _first_remission(f, cutoff, until=evaluation.on) if evaluation else None
    progression = [
        a.on
        for a in f.assessments
        if a.category == protocol.ResponseCategory.PROGRESSION and a.on <= cutoff
    ] + [d for d in f.relapse_dates if d <= cutoff]
    best = best_response(f, cutoff)
    return {
        **row,
        "evaluation": day(evaluation.on if evaluation else None),
        "first_remission": day(first),
        "remission_by_evaluation": day(by_evaluation),
        "progression": _first(progression),
        "relapse_after_remission": _first(_relapses(f, first, cutoff)) if first else NO_DAY,
        "relapse_after_remission_by_evaluation": (
            _first(_relapses(f, by_evaluation, cutoff)) if by_evaluation else NO_DAY
        ),
        "best_response": NO_RESPONSE if best is None else _BEST_FIRST.index(best),
        "mrd_negative": is_mrd_negative(f, cutoff),
    }


def _set_measures(
    cohort: Cohort, counts: Sequence[CycleCounts | None], at: np.ndarray | None = None
) -> None:
    """Cycle 1's four myelosuppression measures (endpoints/myelosuppression.py reads them so),
    of every patient or of the patients at positions `at`."""
    from endpoints.myelosuppression import MEASURES

    n = len(cohort.arm)
    at = np.arange(n) if at is None else at
    if cohort.has_counts is None:
        cohort.has_counts = np.zeros(n, dtype=bool)
    for code in MEASURE_CODES:
        cohort.measure_values.setdefault(code, np.full(n, np.nan))
        cohort.measure_censored.setdefault(code, np.zeros(n, dtype=bool))
    for i, c in zip(at.tolist(), counts, strict=True):
        if c is None:
            continue
        cohort.has_counts[i] = True
        for code in MEASURE_CODES:
            value, not_reached = MEASURES[code][1](c)
            if value is not None:
                cohort.measure_values[code][i] = value
            cohort.measure_censored[code][i] = not_reached


def _concatenated(first: Cohort, second: Cohort) -> Cohort:
    def join(a, b):
        if isinstance(a, dict):
            return {key: np.concatenate([a[key], b[key]]) for key in a}
        return np.concatenate([a, b])

    return Cohort(
        cutoff=first.cutoff,
        **{
            f.name: join(getattr(first, f.name), getattr(second, f.name))
            for f in fields(Cohort)
            if f.name != "cutoff"
        },
    )


# --- Reading the columns from the database -------------------------------------------------

TIMEPOINTS = ("", *protocol.ResponseTimepoint.values)
CATEGORIES = ("", *_BEST_FIRST)  # a category's code - 1 is its index in _BEST_FIRST
NO_CONTACT = np.iinfo(np.int32).min  # before every date: no contact seen yet
BLOCK_PATIENTS = 1 << 15  # patients whose rows PostgreSQL sends together, as arrays
BLOCK_PAGES = 512  # or a table's pages whose rows it sends together (4 MB of the table)
# A full read's condition on a table's rows: those of the block's pages (`_copy`).
PAGE_RANGE = "ctid >= pages.first AND ctid < pages.next"
READ_WORK_MEM = "128MB"  # PostgreSQL's memory for one table's blocks (a million patients)
# The same settings on the connection that reads beside (endpoints/cohort_snapshot.py).
BESIDE_SETTINGS = {"enable_sort": "off", "work_mem": READ_WORK_MEM, "jit": "off"}
# Fewer patients than this are read on one connection: opening the second one costs more
# than it saves (10 patients: 7.7 ms beside, 3.1 ms alone; even at about 500).
ALONE_BELOW_PATIENTS = 500


def _codes(values: Sequence[str], expression: str) -> str:
    """SQL giving a value's index in `values` (0 when not among them or NULL): a CASE costs
    PostgreSQL less per row than array_position over an array literal."""
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values) if i)
    return f"CASE ({expression})::text {cases} ELSE 0 END"


def _days(expression: str) -> str:
    return f"coalesce(({expression}) - DATE '1970-01-01', {NO_DAY})"


class _BinaryArrays:
    """A file COPY ... TO STDOUT (FORMAT binary) writes into, of rows whose fields are
    arrays of non-null integers (one block of a table's rows each): every array is decoded
    in bulk and the block handed to `on_rows` as columns.

    The driver calls `write` once per row it receives, a Python call each: rows of a
    million patients would cost seconds in calls alone, blocks of thousands cost nothing.
    """

    HEADER = 19  # signature, flags, header extension length (0)
    ARRAY_HEADER = 20  # dimensions (1), flags (no null), element type, size, lower bound

    def __init__(self, types: Sequence[str], on_rows: Callable[..., None]) -> None:
        self.dtypes = [np.dtype([("length", ">i4"), ("value", t)]) for t in types]
        self.on_rows = on_rows
        self.buffer = bytearray()
        self.header_seen = self.ended = False

    def write(self, data: bytes) -> None:
        self.buffer += data
        self._decode()

    def close(self) -> None:
        self._decode()
        if not self.ended or self.buffer:
            raise ValueError("COPY ended before its last row")

    def _decode(self) -> None:
        buffer, start = self.buffer, 0
        if not self.header_seen:
            if len(buffer) < self.HEADER:
                return
            start, self.header_seen = self.HEADER, True
        while len(buffer) - start >= 2 and not self.ended:
            (count,) = struct.unpack_from(">h", buffer, start)
            if count == -1:
                self.ended, start = True, start + 2
                break
            if count != len(self.dtypes):
                raise ValueError("COPY returned rows of another shape than expected")
            fields, at = [], start + 2
            for _ in range(count):
                if len(buffer) - at < 4:
                    break
                (length,) = struct.unpack_from(">i", buffer, at)
                if length < self.ARRAY_HEADER or len(buffer) - at - 4 < length:
                    break
                fields.append((at + 4, length))
                at += 4 + length
            if len(fields) < count:
                break  # the rest of the row is still to come
            self.on_rows(
                *(self._array(o, n, d) for (o, n), d in zip(fields, self.dtypes, strict=True))
            )
            start = at
        del buffer[:start]

    def _array(self, offset: int, length: int, dtype: np.dtype) -> np.ndarray:
        dimensions, flags, _type, size, _lower = struct.unpack_from(">iiiii", self.buffer, offset)
        body = offset + self.ARRAY_HEADER
        if (dimensions, flags) != (1, 0) or length != self.ARRAY_HEADER + size * dtype.itemsize:
            raise ValueError("COPY returned an array of another shape than expected")
        elements = np.frombuffer(self.buffer, dtype=dtype, count=size, offset=body)
        column = elements["value"].astype(dtype["value"].newbyteorder("="))
        del elements  # the view pins the buffer
        return column


def _copy(
    cursor: Any,
    sql: str,
    parameters: dict[str, Any],
    types: str,
    on_rows: Callable[..., None],
    pages_of: str | None = None,
) -> None:
    """Stream a statement's rows to `on_rows` as columns, one letter of `types` each: q an
    int8 (the first: patient ids), i an int4 (days), c a code from 0 to 255 (an index in a
    few labels, a flag). PostgreSQL sends them in blocks, as arrays: of patients, or, with
    `pages_of` (a table `sql` reads every row of, within PAGE_RANGE), of the table's pages.

    Appending to arrays is most of PostgreSQL's work in the read, so columns side by side
    share arrays: int4 columns and codes packed into 64-bit words (`_words`), unpacked here.
    A block of pages is one plain aggregate over a scan of those pages alone (a TID range
    scan): no row is hashed into its block, which took a fifth of PostgreSQL's time in a
    read of every patient (at a million patients: 2.6 million visits 1.14 -> 0.89 s).
    """
    words = _words(types)
    names = [f"c{i}" for i in range(len(types))]
    aggregates = []
    for word in words:
        if len(word) == 1 and types[word[0][0]] == "q":
            aggregates.append(f"array_agg(c{word[0][0]})")
        else:
            parts = [
                f"(c{i}::int8 << 32)"
                if shift == 32 and types[i] == "i"
                else f"((c{i}::int8 & {mask}) << {shift})"
                for i, shift, mask in word
            ]
            aggregates.append(f"array_agg({' | '.join(parts)})")
    if pages_of is None:
        blocks = (
            f"SELECT {', '.join(aggregates)} "
            f"FROM ({sql}) AS q ({', '.join(names)}) GROUP BY c0 / {BLOCK_PATIENTS}"
        )
    else:
        # Every range of pages up to the table's last (those added since hold no row this
        # snapshot sees); a range without rows gives NULL arrays, left out.
        words_out = [f"w{i}" for i in range(len(words))]
        pages = (
            f"SELECT ('(' || n * {BLOCK_PAGES} || ',0)')::tid, "
            f"('(' || (n + 1) * {BLOCK_PAGES} || ',0)')::tid FROM generate_series(0::int8, "
            f"pg_relation_size('{pages_of}') / current_setting('block_size')::int8 "
            f"/ {BLOCK_PAGES}) AS n"
        )
        blocks = (
            f"SELECT {', '.join(words_out)} FROM ({pages}) AS pages (first, next), "
            f"LATERAL (SELECT {', '.join(aggregates)} FROM ({sql}) AS q ({', '.join(names)})) "
            f"AS block ({', '.join(words_out)}) WHERE w0 IS NOT NULL"
        )

    def unpacked(*arrays: np.ndarray) -> None:
        columns: list[np.ndarray | None] = [None] * len(types)
        for word, array in zip(words, arrays, strict=True):
            for i, shift, mask in word:
                if types[i] == "q":
                    columns[i] = array
                elif types[i] == "i" and shift:  # the high half: an arithmetic shift
                    columns[i] = (array >> 32).astype(np.int32)
                elif types[i] == "i":  # the low half, its sign restored
                    columns[i] = (array & mask).astype(np.uint32).view(np.int32)
                else:
                    columns[i] = ((array >> shift) & mask).astype(np.int32)
        on_rows(*columns)

    sink = _BinaryArrays([">i8"] * len(words), unpacked)
    statement = cursor.mogrify(blocks, parameters)
    cursor.copy_expert(b"COPY (" + statement + b") TO STDOUT WITH (FORMAT binary)", sink)
    sink.close()


INT4_MASK, CODE_MASK = 0xFFFFFFFF, 0xFF


def _words(types: str) -> list[list[tuple[int, int, int]]]:
    """The 64-bit words a statement's columns travel in, each a list of (column, shift,
    mask), packed in the columns' order while they fit: an int8 alone; two int4 (the low
    half and the high one); or one int4 in the low half and up to four codes above it; or up
    to eight codes."""
    groups: list[list[int]] = []
    for i, kind in enumerate(types):
        if groups and kind != "q" and types[groups[-1][0]] != "q":
            kinds = [types[j] for j in groups[-1]]
            ints, codes = kinds.count("i"), kinds.count("c")
            fits = (
                (ints == 0 and codes < 8) or (ints == 1 and codes < 4)
                if kind == "c"
                else (ints == 0 and codes <= 4) or (ints == 1 and codes == 0)
            )
            if fits:
                groups[-1].append(i)
                continue
        groups.append([i])
    words = []
    for group in groups:
        int4_columns = [i for i in group if types[i] == "i"]
        shift = 32 if int4_columns else 0
        word = []
        for i in group:
            if types[i] == "c":
                word.append((i, shift, CODE_MASK))
                shift += 8
            else:
                # q alone (the mask unused), or an int4: the first low, a second high.
                high = types[i] == "i" and int4_columns.index(i) > 0
                word.append((i, 32 if high else 0, INT4_MASK))
        words.append(word)
    return words


class _Positions:
    """Each patient id's position in the cohort (-1: not randomized by the cut-off), by a
    lookup array over the ids."""

    def __init__(self, patient_ids: np.ndarray) -> None:
        top = int(patient_ids.max()) + 1 if len(patient_ids) else 1
        self.table = np.full(top, -1, dtype=np.int32)
        self.table[patient_ids] = np.arange(len(patient_ids), dtype=np.int32)

    def of(self, patient_ids: np.ndarray) -> np.ndarray:
        inside = patient_ids < len(self.table)
        return np.where(inside, self.table[np.where(inside, patient_ids, 0)], -1)


def recorded_cohort(cutoff: dt.date) -> Cohort:
    """The patients randomized here by the cut-off; imported outcomes and cycle 1's counts
    are added by `cohort_of`.

    One statement per clinical table, none joined to another: PostgreSQL scans each table
    once and streams its rows in binary, reduced buffer by buffer into the patients' columns
    at their positions (no hash join of a million rows, no row object). All in one
    REPEATABLE READ snapshot, so every table is read as of the same moment.
    """
    with reading() as cursor:
        return Reading(cursor, cutoff).cohort()


@contextmanager
def reading() -> Iterator[Any]:
    """A raw cursor for `Reading`, in a REPEATABLE READ snapshot (the caller's, within its
    transaction) with the read's planner settings, restored afterwards."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if outermost:  # within a caller's transaction, its snapshot is the one
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        raw = cursor.cursor
        # A read of some patients' rows grouped into blocks in memory by hashing (the
        # planner, guessing a group per patient, would sort on disk), and no JIT
        # compilation (slower to compile than these scans take); the settings as they were
        # afterwards.
        raw.execute(
            "SELECT current_setting('enable_sort'), current_setting('work_mem'), "
            "current_setting('jit')"
        )
        settings_before = raw.fetchone()
        raw.execute(
            "SELECT set_config('enable_sort', 'off', true), set_config('work_mem', %s, true), "
            "set_config('jit', 'off', true)",
            [READ_WORK_MEM],
        )
        try:
            yield raw
            release_freed_memory()  # the blocks read, and the second thread's heap
        finally:
            raw.execute(
                "SELECT set_config('enable_sort', %s, true), set_config('work_mem', %s, true), "
                "set_config('jit', %s, true)",
                list(settings_before),
            )


# The dates a patient may have none of, until a table's rows give them.
_DATES = (
    "death",
    "hsct",
    "end_of_treatment",
    "left_study",
    "evaluation",
    "first_remission",
    "remission_by_evaluation",
    "progression",
    "relapse_after_remission",
    "relapse_after_remission_by_evaluation",
)


# The tables a read takes rows from. endpoints/cohort_cache.py reads a patient again after a
# write to one of them; a statement on another table is refused, so none is forgotten there.
READ_TABLES = (
    "randomization_randomization",
    "patients_screening",
    "visits_offstudy",
    "visits_transplant",
    "visits_endoftreatment",
    "visits_adverseevent",
    "visits_responseassessment",
    "visits_mrdassessment",
    "visits_treatmentcycle",
    "visits_followupvisit",
)


@dataclass
class _BesideColumns:
    """What the second connection reduces its tables into, merged into the cohort's columns
    at the end: the latest contact, the latest date compared with the cut-off, the first
    progression and the relapses found at visits."""

    last_contact: np.ndarray
    latest: np.ndarray
    progression: np.ndarray
    relapses: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


class Reading:
    """The statements of one read and the reductions of their rows (the rules of
    endpoints/datasets.py that depend on the cut-off, as the SQL of the columns stated)."""

    def __init__(self, cursor: Any, cutoff: dt.date, patients: Sequence[int] | None = None) -> None:
        """Read every randomized patient, or only `patients` (endpoints/cohort_cache.py)."""
        self.cursor = cursor
        self.cutoff = cutoff
        self.cut = day(cutoff)
        # Randomized on or before the cut-off (a local date): before the next day began here.
        until = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()))
        self.parameters: dict[str, Any] = {"zone": settings.TIME_ZONE, "until": until}
        self.by_pages = patients is None  # every patient: each table in blocks of its pages
        self.only = PAGE_RANGE  # each statement's condition: its block's pages, or patients
        self.alone = patients is not None and len(patients) < ALONE_BELOW_PATIENTS
        if patients is not None:
            self.parameters["patients"] = [int(p) for p in patients]
            self.only = "patient_id = ANY(%(patients)s::int8[])"
        # Per patient, the instant of randomization (as PostgreSQL stores it) and the latest
        # date that a rule compares with the cut-off (`dated`): a read at any cut-off on or
        # after it gives the same columns (endpoints/cohort_cache.py keeps them so).
        self.instants = np.zeros(0, dtype=np.int64)
        self.latest = np.zeros(0, dtype=np.int32)

    def _where(self, *conditions: str) -> str:
        """A WHERE clause of the conditions, and of the block's pages (a read of every
        patient) or of the patients read."""
        kept = [c for c in (*conditions, self.only) if c]
        return f" WHERE {' AND '.join(kept)}" if kept else ""

    def dated(self, at: np.ndarray, on: np.ndarray, into: np.ndarray | None = None) -> None:
        """Note dates (positions, days) that a rule compares with the cut-off (`into`: the
        second connection's own column, merged at the end)."""
        seen = on != NO_DAY
        np.maximum.at(self.latest if into is None else into, at[seen], on[seen])

    def cohort(self) -> Cohort:
        """The columns. The screening, the treatment cycles and the follow-up visits (about
        half of PostgreSQL's work) are read beside the other tables, on a second connection
        holding the same snapshot (endpoints/cohort_snapshot.py), unless only a few patients
        are read. Every block is reduced as it arrives, the deaths first (a contact counts
        on or before death); the second connection reduces into columns of its own, merged
        at the end, so that no table's rows are held (a million patients' 2.6 million visits
        and a million cycles held 38 MB at the read's highest point).
        Every reduction is a minimum, a maximum or a write at the patient's own position,
        so the order the tables come in does not change the columns."""
        self.relapses: list[tuple[np.ndarray, np.ndarray]] = []  # (position, day)
        # The second connection starts at once: its rows wait for the patients' positions
        # (`_at`), PostgreSQL's blocks meanwhile held on their way, and its contacts for the
        # deaths.
        self.positioned, self.deaths_known = threading.Event(), threading.Event()
        with Beside(self.cursor, self._beside, BESIDE_SETTINGS, alone=self.alone) as beside:
            try:
                c = self.c = self._randomized()
                self.positioned.set()
                self._off_study()
            finally:  # on an error too: the other thread must not wait
                self.positioned.set()
                self.deaths_known.set()
            self._one_date("visits_transplant", "transplanted_on", c.hsct)
            self._one_date("visits_endoftreatment", "ended_on", c.end_of_treatment)
            self._two_contacts("visits_adverseevent", "onset_on", "resolved_on")
            self._responses()
            self._mrd()
            beside_columns = beside.result()
        np.maximum(c.last_contact, beside_columns.last_contact, out=c.last_contact)
        np.maximum(self.latest, beside_columns.latest, out=self.latest)
        np.minimum(c.progression, beside_columns.progression, out=c.progression)
        self.relapses.extend(beside_columns.relapses)
        self._relapses()
        c.last_contact[c.last_contact == NO_CONTACT] = NO_DAY
        return c

    def _copy(self, sql: str, types: str, on_rows: Callable[..., None], cursor: Any = None) -> None:
        table = re.search(r"\bFROM\s+(\w+)", sql)
        if table is None or table.group(1) not in READ_TABLES:
            raise ValueError(f"A cohort read from a table not in READ_TABLES: {sql}")
        pages_of = table.group(1) if self.by_pages else None
        _copy(cursor or self.cursor, sql, self.parameters, types, on_rows, pages_of)

    def _beside(self, cursor: Any) -> _BesideColumns:
        """What the second connection reads: the baseline columns, then the cycles' dates and
        the visits, whose reductions wait for the deaths, into columns of its own."""
        self._screening(cursor)
        self.deaths_known.wait()
        n = len(self.c)
        own = _BesideColumns(
            last_contact=np.full(n, NO_CONTACT, dtype=np.int32),
            latest=np.full(n, NO_CONTACT, dtype=np.int32),
            progression=np.full(n, NO_DAY, dtype=np.int32),
        )
        self._two_contacts(
            "visits_treatmentcycle", "started_on", "ended_on", cursor, own.last_contact
        )
        self._visits(cursor, own)
        return own

    def _randomized(self) -> Cohort:
        parts: list[tuple[np.ndarray, ...]] = []

        def kept(*columns: np.ndarray) -> None:
            parts.append(columns)

        self._copy(
            # The instant as PostgreSQL stores it (microseconds since 2000, sent as they
            # are: only their order is used), not a numeric epoch computed per row.
            f"""SELECT patient_id::int8, randomized_at,
                       {_days("(randomized_at AT TIME ZONE %(zone)s)::date")},
                       {_codes(ARMS, "arm")}, {_codes(REGIMENS, "regimen")},
                       {_codes(STRATUM_LEVELS, "stratum_levels ->> 'disease_status'")}
                FROM randomization_randomization
                {self._where("randomized_at < %(until)s")}""",
            "qqiccc",
            kept,
        )
        pid, at, randomized, arm, regimen, status = (
            np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)
            for i in range(6)
        )
        parts.clear()
        order = np.lexsort((pid, at))  # the order of randomization: time, then patient
        self.instants = at[order]
        del at
        n = len(order)
        self.latest = randomized[order].astype(np.int32)
        self.positions = _Positions(pid[order])
        none: dict[str, Any] = {name: np.full(n, NO_DAY, dtype=np.int32) for name in _DATES}
        cohort = Cohort(
            cutoff=self.cutoff,
            patient_ids=pid[order],
            arm=arm[order].astype(np.int8),
            regimen=regimen[order].astype(np.int8),
            disease_status=status[order].astype(np.int8),
            imported=np.zeros(n, dtype=bool),
            randomized=randomized[order].astype(np.int32),
            **none,
            last_contact=np.full(n, NO_CONTACT, dtype=np.int32),
            best_response=np.full(n, NO_RESPONSE, dtype=np.int8),
            mrd_negative=np.zeros(n, dtype=bool),
            baseline={key: np.zeros(n, dtype=np.int8) for key in (*SUBGROUP_GENES, "eln_risk")},
        )
        # The protocol evaluation's timepoint of each regimen (-1: none is planned).
        planned = np.full(len(REGIMENS), -1, dtype=np.int32)
        for regimen_value, plan in protocol.REGIMEN_PLANS.items():
            planned[REGIMENS.index(regimen_value)] = TIMEPOINTS.index(plan.evaluation)
        self.evaluated_at = planned[cohort.regimen]
        return cohort

    def _at(self, pid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of randomized patients: their mask, and the patients' positions."""
        self.positioned.wait()
        at = self.positions.of(pid)
        mine = at >= 0
        return mine, at[mine]

    def _contacts(self, at: np.ndarray, on: np.ndarray, into: np.ndarray | None = None) -> None:
        """Take dates of contact (positions, days) into the latest one on or before death
        (`into`: the second connection's own column)."""
        seen = (on != NO_DAY) & (on <= self.c.death[at])
        np.maximum.at(self.c.last_contact if into is None else into, at[seen], on[seen])

    def _screening(self, cursor: Any) -> None:
        keys = (*SUBGROUP_GENES, "eln_risk")

        def screening(pid: np.ndarray, *codes: np.ndarray) -> None:
            mine, at = self._at(pid)
            for key, column in zip(keys, codes, strict=True):
                self.c.baseline[key][at] = column[mine]

        genes = ", ".join(_codes(MUTATION_VALUES, f"mutations ->> '{g}'") for g in SUBGROUP_GENES)
        self._copy(
            f"SELECT patient_id::int8, {genes}, {_codes(ELN_VALUES, 'eln_risk')} "
            f"FROM patients_screening{self._where()}",
            "q" + "c" * len(keys),
            screening,
            cursor,
        )

    def _off_study(self) -> None:
        def off_study(pid: np.ndarray, died: np.ndarray, on: np.ndarray) -> None:
            mine, at = self._at(pid)
            died, on = died[mine].astype(bool), on[mine]
            self.c.death[at[died]] = on[died]
            self.c.left_study[at[~died]] = on[~died]

        death = protocol.OffStudyReason.DEATH.value
        self._copy(
            f"SELECT patient_id::int8, (reason = '{death}')::int, {_days('event_on')} "
            f"FROM visits_offstudy{self._where()}",
            "qci",
            off_study,
        )
        left = np.flatnonzero(self.c.left_study != NO_DAY)
        self._contacts(left, self.c.left_study[left])

    def _one_date(self, table: str, column: str, into: np.ndarray) -> None:
        """A one-to-one record's date (a transplant, the end of treatment), also a contact."""

        def dated(pid: np.ndarray, on: np.ndarray) -> None:
            mine, at = self._at(pid)
            into[at] = on[mine]
            self._contacts(at, on[mine])
            self.dated(at, on[mine])  # taken by the cut-off (a transplant, an end)

        self._copy(
            f"SELECT patient_id::int8, {_days(column)} FROM {table}{self._where()}", "qi", dated
        )

    def _two_contacts(
        self,
        table: str,
        first: str,
        second: str,
        cursor: Any = None,
        into: np.ndarray | None = None,
    ) -> None:
        """Two dates of contact per row, taken as they arrive (`into`: the second
        connection's own column)."""

        def dated(pid: np.ndarray, one: np.ndarray, other: np.ndarray) -> None:
            mine, at = self._at(pid)
            self._contacts(at, one[mine], into)
            self._contacts(at, other[mine], into)

        self._copy(
            f"SELECT patient_id::int8, {_days(first)}, {_days(second)} FROM {table}{self._where()}",
            "qii",
            dated,
            cursor,
        )

    def _visits(self, cursor: Any, own: _BesideColumns) -> None:
        """Follow-up visits done, of randomized patients: a contact when the patient was seen
        alive; a relapse when one was found, which is a progression too, as a progression
        assessed is."""
        alive = protocol.VitalStatus.ALIVE.value
        relapse = protocol.FollowUpDiseaseStatus.RELAPSE.value

        def visit(pid: np.ndarray, on: np.ndarray, seen: np.ndarray, relapsed: np.ndarray) -> None:
            mine, at = self._at(pid)
            on, seen, relapsed = on[mine], seen[mine] == 1, relapsed[mine] == 1
            self._contacts(at[seen], on[seen], own.last_contact)
            self.dated(at[relapsed], on[relapsed], own.latest)
            found = relapsed & (on <= self.cut)
            own.relapses.append((at[found], on[found]))
            np.minimum.at(own.progression, at[found], on[found])

        self._copy(
            f"""SELECT patient_id::int8, {_days("performed_on")},
                       (vital_status = '{alive}')::int, (disease_status = '{relapse}')::int
                FROM visits_followupvisit{self._where("performed_on IS NOT NULL")}""",
            "qicc",
            visit,
            cursor,
        )

    def _responses(self) -> None:
        """The protocol evaluation, the best response to protocol treatment and the first
        remission (by the evaluation too), progressions and relapses assessed."""
        c, cut = self.c, self.cut
        rows: list[tuple[np.ndarray, ...]] = []  # those by the cut-off: position, day, codes
        category = {value: CATEGORIES.index(value) for value in CATEGORIES[1:]}

        def assessed(pid: np.ndarray, on: np.ndarray, code: np.ndarray, tp: np.ndarray) -> None:
            mine, at = self._at(pid)
            on, code, tp = on[mine], code[mine], tp[mine]
            self._contacts(at, on)
            self.dated(at, on)
            by_cutoff = on <= cut
            rows.append((at[by_cutoff], on[by_cutoff], code[by_cutoff], tp[by_cutoff]))

        self._copy(
            f"""SELECT patient_id::int8, {_days("assessed_on")}, {_codes(CATEGORIES, "category")},
                       {_codes(TIMEPOINTS, "timepoint")}
                FROM visits_responseassessment{self._where()}""",
            "qicc",
            assessed,
        )
        at, on, code, timepoint = (
            np.concatenate([r[i] for r in rows]) if rows else np.zeros(0, np.int32)
            for i in range(4)
        )
        rows.clear()
        # The evaluation: the first assessment at the regimen's evaluation timepoint.
        at_evaluation = timepoint == self.evaluated_at[at]
        np.minimum.at(c.evaluation, at[at_evaluation], on[at_evaluation])
        # Responses to protocol treatment: the evaluation, or any other assessment but the
        # follow-up's up to the end of treatment or allo-HSCT (by the cut-off).
        hsct = np.where(c.hsct <= cut, c.hsct, NO_DAY)
        ended = np.where(c.end_of_treatment <= cut, c.end_of_treatment, NO_DAY)
        treatment_ends = np.minimum(hsct, ended)
        follow_up = TIMEPOINTS.index(protocol.ResponseTimepoint.FOLLOW_UP.value)
        to_protocol = at_evaluation | ((timepoint != follow_up) & (on <= treatment_ends[at]))
        best = to_protocol & (code > 0)
        np.minimum.at(c.best_response, at[best], (code[best] - 1).astype(np.int8))
        remission_codes = [category[v] for v in REMISSION if v in category]
        remission = to_protocol & np.isin(code, remission_codes)
        np.minimum.at(c.first_remission, at[remission], on[remission])
        evaluation = c.evaluation[at]
        early = remission & (evaluation != NO_DAY) & (on <= evaluation)
        np.minimum.at(c.remission_by_evaluation, at[early], on[early])
        progressed = code == category[protocol.ResponseCategory.PROGRESSION.value]
        np.minimum.at(c.progression, at[progressed], on[progressed])
        relapsed = code == category[protocol.ResponseCategory.RELAPSE.value]
        self.relapses.append((at[relapsed], on[relapsed]))

    def _relapses(self) -> None:
        """The first relapse (assessed or found at a visit, by the cut-off) after the first
        remission, and after the first remission by the evaluation."""
        c = self.c
        for at, on in self.relapses:
            after = on > c.first_remission[at]
            np.minimum.at(c.relapse_after_remission, at[after], on[after])
            after = on > c.remission_by_evaluation[at]
            np.minimum.at(c.relapse_after_remission_by_evaluation, at[after], on[after])
        self.relapses.clear()

    def _mrd(self) -> None:
        """Flow MRD negative on or before the cut-off and any allo-HSCT."""
        by = np.minimum(self.c.hsct, self.cut)

        def negative(pid: np.ndarray, on: np.ndarray) -> None:
            mine, at = self._at(pid)
            on = on[mine]
            self.c.mrd_negative[at[on <= by[at]]] = True
            self.dated(at, on)

        flow = self._where(f"method = '{protocol.MrdMethod.FLOW.value}'", "negative")
        self._copy(
            f"SELECT patient_id::int8, {_days('assessed_on')} FROM visits_mrdassessment{flow}",
            "qi",
            negative,
        )


LAB_BATCH = 2000


def cohort_of(cutoff: dt.date) -> Cohort:
    """Every patient randomized by the cut-off (imported legacy outcomes last), with cycle 1's
    myelosuppression of those with counts in it (labs/derivations.py, batch by batch)."""
    from endpoints.cohort_cache import kept_cohort
    from endpoints.datasets import imported_facts
    from labs.models import BloodCount
    from labs.selectors import lab_courses

    cohort = kept_cohort(cutoff)
    _set_measures(cohort, [], np.arange(0))
    with_counts = np.unique(
        np.fromiter(
            BloodCount.objects.filter(cycle_number=1, sampled_on__lte=cutoff)
            .values_list("patient_id", flat=True)
            .distinct(),
            dtype=np.int64,
        )
    )
    order = np.argsort(cohort.patient_ids)
    found = np.searchsorted(cohort.patient_ids, with_counts, sorter=order)
    found = np.clip(found, 0, max(len(order) - 1, 0))
    at = order[found][cohort.patient_ids[order[found]] == with_counts] if len(order) else found
    for start in range(0, len(at), LAB_BATCH):
        batch = at[start : start + LAB_BATCH]
        courses = lab_courses(patient_ids=cohort.patient_ids[batch].tolist(), cutoff=cutoff)
        counts: list[CycleCounts | None] = []
        for pid in cohort.patient_ids[batch].tolist():
            course = courses.get(pid)
            if course is not None and any(c.cycle_number == 1 for c in course.counts):
                counts.append(course.derived[0])
            else:
                counts.append(None)
        _set_measures(cohort, counts, batch)
    imported = imported_facts(cutoff)
    if imported:
        cohort = _concatenated(cohort, Cohort.of_facts(imported, cutoff))
    return cohort
