"""The randomized patients of a data cut-off as columns, read in one pass, for the analysis.

The worker's analysis needs a handful of dates and codes per patient, not the records: one
SQL statement has PostgreSQL join and aggregate the clinical tables per patient (last contact,
the protocol evaluation, the first remission, the first relapse after it, the best response,
...), applying the rules of endpoints/datasets.py that depend on the cut-off, and streams the
result as fixed-width binary rows (COPY ... BINARY) straight into preallocated numpy arrays:
memory is the arrays, whatever the trial's size. `Cohort.of_facts` builds the same columns
from PatientFacts with the functions of endpoints/datasets.py, which stay the rules: the
tests hold the two equal, and the time-to-event derivation on columns
(endpoints/cohort_derivations.py) equal to theirs row by row.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

import protocol
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

    def labels(self, column: str) -> np.ndarray:
        """The column's values as strings (an object array sharing a few string objects)."""
        codes = self.baseline[column] if column in self.baseline else getattr(self, column)
        return np.array(LABELS[column], dtype=object)[codes]

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

# The columns the statement returns, in order, each an integer (dates: days since 1970).
_SELECTED = (
    "pid",
    *_COLUMN_TYPES,
    "NPM1",
    "RUNX1",
    "FLT3-ITD",
    "eln_risk",
)


def _codes(values: Sequence[str], expression: str) -> str:
    """SQL giving a value's index in `values` (0 when not among them)."""
    array = ", ".join(f"'{v}'" for v in values[1:])
    return f"coalesce(array_position(ARRAY[{array}]::text[], ({expression})::text), 0)"


def _days(expression: str) -> str:
    return f"coalesce(({expression}) - DATE '1970-01-01', {NO_DAY})"


def _statement() -> str:
    """One statement: every randomized patient's columns, aggregated by PostgreSQL."""
    plans = ", ".join(
        f"('{regimen}', '{plan.evaluation}')" for regimen, plan in protocol.REGIMEN_PLANS.items()
    )
    remission = ", ".join(f"'{c}'" for c in sorted(REMISSION))
    best_first = ", ".join(f"'{c}'" for c in _BEST_FIRST)
    death, alive = protocol.OffStudyReason.DEATH.value, protocol.VitalStatus.ALIVE.value
    relapse = protocol.ResponseCategory.RELAPSE.value
    follow_up_relapse = protocol.FollowUpDiseaseStatus.RELAPSE.value
    progression = protocol.ResponseCategory.PROGRESSION.value
    follow_up = protocol.ResponseTimepoint.FOLLOW_UP.value
    genes = ", ".join(_codes(MUTATION_VALUES, f"s.mutations ->> '{g}'") for g in SUBGROUP_GENES)
    return f"""
    WITH plan(regimen, evaluation) AS (VALUES {plans}),
    base AS (
        SELECT r.patient_id AS pid, r.randomized_at, r.arm, r.regimen,
               r.stratum_levels ->> 'disease_status' AS stratum,
               (r.randomized_at AT TIME ZONE %(zone)s)::date AS randomized_on,
               d.event_on AS death_on, o.event_on AS left_on, t.transplanted_on AS hsct_on,
               e.ended_on AS eot_on, plan.evaluation,
               LEAST(CASE WHEN e.ended_on <= %(cutoff)s THEN e.ended_on END,
                     CASE WHEN t.transplanted_on <= %(cutoff)s THEN t.transplanted_on END)
                   AS treatment_ends_on
        FROM randomization_randomization r
        LEFT JOIN visits_offstudy d ON d.patient_id = r.patient_id AND d.reason = '{death}'
        LEFT JOIN visits_offstudy o ON o.patient_id = r.patient_id AND o.reason <> '{death}'
        LEFT JOIN visits_transplant t ON t.patient_id = r.patient_id
        LEFT JOIN visits_endoftreatment e ON e.patient_id = r.patient_id
        LEFT JOIN plan ON plan.regimen = r.regimen
        WHERE r.randomized_at < %(until)s
    ),
    contacts AS (
        SELECT c.patient_id AS pid, max(c.on_) AS on_ FROM (
            SELECT patient_id, started_on AS on_ FROM visits_treatmentcycle
            UNION ALL SELECT patient_id, ended_on FROM visits_treatmentcycle
            UNION ALL SELECT patient_id, assessed_on FROM visits_responseassessment
            UNION ALL SELECT patient_id, transplanted_on FROM visits_transplant
            UNION ALL SELECT patient_id, ended_on FROM visits_endoftreatment
            UNION ALL SELECT patient_id, performed_on FROM visits_followupvisit
                WHERE vital_status = '{alive}'
            UNION ALL SELECT patient_id, onset_on FROM visits_adverseevent
            UNION ALL SELECT patient_id, resolved_on FROM visits_adverseevent
            UNION ALL SELECT patient_id, event_on FROM visits_offstudy WHERE reason <> '{death}'
        ) c
        LEFT JOIN visits_offstudy d ON d.patient_id = c.patient_id AND d.reason = '{death}'
        WHERE d.event_on IS NULL OR c.on_ <= d.event_on
        GROUP BY c.patient_id
    ),
    evaluated AS (
        SELECT DISTINCT ON (a.patient_id) a.patient_id AS pid, a.assessed_on
        FROM visits_responseassessment a JOIN base b ON b.pid = a.patient_id
        WHERE a.timepoint = b.evaluation AND a.assessed_on <= %(cutoff)s
        ORDER BY a.patient_id, a.assessed_on, a.id
    ),
    assessed AS (
        SELECT a.patient_id AS pid, a.assessed_on, a.category, v.assessed_on AS evaluation_on,
               a.assessed_on <= %(cutoff)s AND (
                   a.timepoint = b.evaluation OR (a.timepoint <> '{follow_up}' AND (
                       b.treatment_ends_on IS NULL OR a.assessed_on <= b.treatment_ends_on)))
                   AS to_protocol_treatment
        FROM visits_responseassessment a
        JOIN base b ON b.pid = a.patient_id
        LEFT JOIN evaluated v ON v.pid = a.patient_id
    ),
    responses AS (
        SELECT pid, min(evaluation_on) AS evaluation_on,
               min(array_position(ARRAY[{best_first}]::text[], category::text))
                   FILTER (WHERE to_protocol_treatment) - 1 AS best_response,
               min(assessed_on) FILTER (WHERE to_protocol_treatment
                   AND category IN ({remission})) AS first_remission,
               min(assessed_on) FILTER (WHERE to_protocol_treatment
                   AND category IN ({remission}) AND assessed_on <= evaluation_on)
                   AS remission_by_evaluation,
               min(assessed_on) FILTER (WHERE category = '{progression}'
                   AND assessed_on <= %(cutoff)s) AS progression_on
        FROM assessed GROUP BY pid
    ),
    relapses AS (
        SELECT x.pid, min(x.on_) FILTER (WHERE x.visit) AS visit_relapse_on,
               min(x.on_) FILTER (WHERE x.on_ > r.first_remission) AS after_remission,
               min(x.on_) FILTER (WHERE x.on_ > r.remission_by_evaluation) AS after_by_evaluation
        FROM (
            SELECT patient_id AS pid, assessed_on AS on_, false AS visit
            FROM visits_responseassessment WHERE category = '{relapse}'
            UNION ALL
            SELECT patient_id, performed_on, true FROM visits_followupvisit
            WHERE disease_status = '{follow_up_relapse}' AND performed_on IS NOT NULL
        ) x
        JOIN base b ON b.pid = x.pid
        LEFT JOIN responses r ON r.pid = x.pid
        WHERE x.on_ <= %(cutoff)s
        GROUP BY x.pid
    ),
    mrd AS (
        SELECT DISTINCT m.patient_id AS pid
        FROM visits_mrdassessment m JOIN base b ON b.pid = m.patient_id
        WHERE m.method = '{protocol.MrdMethod.FLOW.value}' AND m.negative
              AND m.assessed_on <= LEAST(%(cutoff)s, b.hsct_on)
    )
    SELECT b.pid::int,
           {_codes(ARMS, "b.arm")}, {_codes(REGIMENS, "b.regimen")},
           {_codes(STRATUM_LEVELS, "b.stratum")}, 0,
           {_days("b.randomized_on")}, {_days("b.death_on")}, {_days("b.hsct_on")},
           {_days("b.eot_on")}, {_days("b.left_on")}, {_days("c.on_")},
           {_days("r.evaluation_on")}, {_days("r.first_remission")},
           {_days("r.remission_by_evaluation")},
           {_days("LEAST(r.progression_on, x.visit_relapse_on)")},
           {_days("x.after_remission")}, {_days("x.after_by_evaluation")},
           coalesce(r.best_response, {NO_RESPONSE}), (m.pid IS NOT NULL)::int,
           {genes}, {_codes(ELN_VALUES, "s.eln_risk")}
    FROM base b
    LEFT JOIN patients_screening s ON s.patient_id = b.pid
    LEFT JOIN contacts c ON c.pid = b.pid
    LEFT JOIN responses r ON r.pid = b.pid
    LEFT JOIN relapses x ON x.pid = b.pid
    LEFT JOIN mrd m ON m.pid = b.pid
    ORDER BY b.randomized_at, b.pid
    """


class _BinaryRows:
    """A file COPY ... TO STDOUT (FORMAT binary) writes into: every row holds the same
    number of non-null int4 fields, so complete rows are cut from the stream and decoded in
    bulk into the preallocated arrays, a buffer's worth at a time."""

    HEADER = 19  # signature, flags, header extension length (0)

    def __init__(self, columns: int, rows: int) -> None:
        self.dtype = np.dtype(
            [("count", ">i2")]
            + [item for i in range(columns) for item in ((f"l{i}", ">i4"), (f"v{i}", ">i4"))]
        )
        self.out = np.empty((rows, columns), dtype=np.int32)
        self.filled = 0
        self.buffer = bytearray()
        self.header_seen = False

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= 1 << 20:
            self._decode()

    def close(self) -> np.ndarray:
        self._decode()
        if self.buffer[:2] != struct.pack(">h", -1) or self.filled != len(self.out):
            raise ValueError("COPY returned fewer or other rows than counted")
        return self.out

    def _decode(self) -> None:
        start = 0
        if not self.header_seen:
            if len(self.buffer) < self.HEADER:
                return
            start, self.header_seen = self.HEADER, True
        size = self.dtype.itemsize
        complete = (len(self.buffer) - start) // size
        if self.filled + complete > len(self.out):
            complete = len(self.out) - self.filled  # the trailer follows the last row
        if complete:
            rows = np.frombuffer(self.buffer, dtype=self.dtype, count=complete, offset=start)
            for i in range(self.out.shape[1]):
                self.out[self.filled : self.filled + complete, i] = rows[f"v{i}"]
            del rows  # the view pins the buffer
            self.filled += complete
        del self.buffer[: start + complete * size]


def recorded_cohort(cutoff: dt.date) -> Cohort:
    """The patients randomized here by the cut-off, read in one pass; imported outcomes and
    cycle 1's counts are added by `cohort_of`."""
    # Randomized on or before the cut-off (a local date): before the next day began here.
    until = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()))
    parameters: dict[str, Any] = {"cutoff": cutoff, "zone": settings.TIME_ZONE, "until": until}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM randomization_randomization WHERE randomized_at < %(until)s",
            parameters,
        )
        (count,) = cursor.fetchone()
        # Per-patient aggregates joined on the patient: hash joins, whatever the planner
        # guesses of the aggregates' sizes (a nested loop over them is quadratic), in memory;
        # the settings as they were afterwards.
        cursor.execute(
            "SELECT current_setting('enable_nestloop'), current_setting('work_mem'), "
            "set_config('enable_nestloop', 'off', true), set_config('work_mem', '64MB', true)"
        )
        nestloop, work_mem, *_set = cursor.fetchone()
        sink = _BinaryRows(len(_SELECTED), count)
        statement = cursor.cursor.mogrify(_statement(), parameters)
        cursor.cursor.copy_expert(b"COPY (" + statement + b") TO STDOUT WITH (FORMAT binary)", sink)
        cursor.execute(
            "SELECT set_config('enable_nestloop', %s, true), set_config('work_mem', %s, true)",
            [nestloop, work_mem],
        )
    table = sink.close()
    columns = dict(zip(_SELECTED, table.T, strict=True))
    cohort = Cohort(
        cutoff=cutoff,
        patient_ids=columns["pid"].astype(np.int64),
        **{name: columns[name].astype(dtype) for name, dtype in _COLUMN_TYPES.items()},
        baseline={key: columns[key].astype(np.int8) for key in (*SUBGROUP_GENES, "eln_risk")},
    )
    return cohort


LAB_BATCH = 2000


def cohort_of(cutoff: dt.date) -> Cohort:
    """Every patient randomized by the cut-off (imported legacy outcomes last), with cycle 1's
    myelosuppression of those with counts in it (labs/derivations.py, batch by batch)."""
    from endpoints.datasets import imported_facts
    from labs.models import BloodCount
    from labs.selectors import lab_courses

    cohort = recorded_cohort(cutoff)
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
