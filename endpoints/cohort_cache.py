"""The randomized patients' columns kept between runs: a run reads again only the patients
written since the last one.

At a million patients, reading every clinical table is seconds of PostgreSQL's CPU, most of
a run beside its statistics, while between two Recomputes a handful of patients change. So
the columns read at an open cut-off (every record counted) are kept in a file, with the
audit chain's head they were read at. The chain (audit/chain.py) numbers every committed
audited write in commit order, and each link's hash covers every link before it. A run, in
its own snapshot:

1. takes the kept columns if the chain still has the kept hash at the kept number (the same
   history: a database rebuilt, restored or another one has another hash there), else reads
   every patient;
2. reads again, at the open cut-off, the patients named by the events after the kept head
   (the owners of every version of a row written), and puts them in their places in the
   order of randomization;
3. takes the patients randomized by its cut-off; a patient with a date that a rule
   compares with the cut-off after it (`Reading.dated`) is read again at the cut-off.

A worker brings the kept columns up to date as it starts (`kept_columns_refresh`), so that
the first run after a deployment or a restart finds them too.

When the reading transaction has written (its rows are sealed into the chain only when it
commits: a test's, a command's), every patient is read, as before the cache, and nothing is
kept. A write the audit trail does not see (its triggers disabled by the database's owner,
which audit/chain.py's verification reports) is not seen here either.

tests/endpoints/test_cohort_cache.py holds the result equal to a read of every patient after
every kind of write and at cut-offs across the trial.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from django.apps import apps
from django.conf import settings
from django.db import connection

import protocol
from endpoints.cohort import (
    CATEGORIES,
    LABELS,
    READ_TABLES,
    TIMEPOINTS,
    Cohort,
    Reading,
    day,
    reading,
)

logger = logging.getLogger(__name__)

OPEN_CUTOFF = dt.date(9999, 12, 30)  # every record counts: the kept columns' cut-off
# Past this share of the kept patients to read again, reading every patient costs less.
FULL_READ_SHARE = 0.25
# The links after the kept head looked through before giving up for a full read: at least
# this many (a death or a data lock writes dozens), or that share of the patients.
MIN_LINKS_LOOKED_AT = 10_000
# The columns are stored again once a run reads this many patients again, or looks through
# this many links, since the stored ones; until then each run reads those patients again.
STORE_AFTER_PATIENTS = 1_000
STORE_AFTER_LINKS = 5_000
_SOURCES = (Path(__file__).with_name("cohort.py"), Path(__file__))


@dataclass(frozen=True)
class KeptColumns:
    """Every randomized patient's columns at the open cut-off, as of the chain's link `seq`
    (its `hash`): the Cohort's arrays by name (baseline ones as "baseline.<key>"), with the
    instants of randomization (their order) and each patient's latest date compared with a
    cut-off."""

    seq: int
    hash: str
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["patient_ids"])


def kept_cohort(cutoff: dt.date) -> Cohort:
    """The patients randomized by the cut-off, as `recorded_cohort` reads them, from the kept
    columns where the audit trail shows they have not changed."""
    folder = settings.COHORT_CACHE_DIR
    with reading() as cursor:
        head = _chain_head(cursor)
        if not folder or head is None or _has_written(cursor):
            return Reading(cursor, cutoff).cohort()
        brought = _brought_to(cursor, _path(Path(folder)), head, store_any_change=False)
        if brought is None:  # kept by a later snapshot than this run's: not for it
            return Reading(cursor, cutoff).cohort()
        return _at_cutoff(cursor, brought.kept, cutoff)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh of the kept columns did: the patients kept, and how many it read again
    (None: every patient, nothing usable being kept)."""

    patients: int
    read_again: int | None
    seq: int


def kept_columns_refresh() -> Refreshed | None:
    """Bring the kept columns up to the audit chain's head and store them; None when there is
    nothing to keep (no cache folder, no audited write yet).

    A worker does this as it starts (endpoints/tasks.py). The columns kept by the last run
    are of no use after the reading code changed (a deployment), a database was restored,
    or the folder was emptied (a container's temporary folder): without this, the first
    Recompute after that would read every patient (seconds at a million patients, more than
    its statistics), instead of the patients written since.
    """
    folder = settings.COHORT_CACHE_DIR
    if not folder:
        return None
    with reading() as cursor:
        head = _chain_head(cursor)
        if head is None or _has_written(cursor):
            return None
        brought = _brought_to(cursor, _path(Path(folder)), head, store_any_change=True)
    if brought is None:  # a later snapshot stored them meanwhile: already up to date
        return None
    return Refreshed(len(brought.kept), brought.read_again, brought.kept.seq)


@dataclass(frozen=True)
class _Brought:
    kept: KeptColumns
    read_again: int | None  # None: every patient


def _brought_to(
    cursor: Any, path: Path, head: tuple[int, str], *, store_any_change: bool
) -> _Brought | None:
    """The kept columns as of `head`: those stored, with the patients written since read
    again (every patient when nothing usable is stored), stored again when worth it (or on
    any change); None when the stored ones are of a later snapshot than this one."""
    kept = _load(path, cursor, head)
    if kept is None:
        kept = _read(cursor, head, patients=None)
        _store(path, kept)
        return _Brought(kept, None)
    if kept.seq > head[0]:
        return None
    if kept.seq == head[0]:
        return _Brought(kept, 0)
    kept, store, read_again = _updated(cursor, kept, head)
    if store or store_any_change:
        _store(path, kept)
    return _Brought(kept, read_again)


def _chain_head(cursor: Any) -> tuple[int, str] | None:
    cursor.execute("SELECT seq, hash FROM audit_chainlink ORDER BY seq DESC LIMIT 1")
    row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else None


def _has_written(cursor: Any) -> bool:
    cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
    return bool(cursor.fetchone()[0])


def _version() -> str:
    """What the kept columns depend on besides the records: the reading code, the labels the
    codes index, the regimens' evaluation timepoints and the zone of the local dates."""
    digest = hashlib.sha256()
    for source in _SOURCES:
        digest.update(source.read_bytes())
    plans = {regimen: plan.evaluation for regimen, plan in protocol.REGIMEN_PLANS.items()}
    digest.update(json.dumps([LABELS, CATEGORIES, TIMEPOINTS, plans, settings.TIME_ZONE]).encode())
    return digest.hexdigest()


def _path(folder: Path) -> Path:
    """The file of this database (one per database a worker reads)."""
    database = connection.settings_dict
    name = json.dumps([database["NAME"], database["HOST"], str(database["PORT"])])
    return folder / f"cohort-{hashlib.sha256(name.encode()).hexdigest()[:24]}.npz"


def _load(path: Path, cursor: Any, head: tuple[int, str]) -> KeptColumns | None:
    """The kept columns, if written by this process's user for this code and this
    database's history; None otherwise (then they are read again and replaced)."""
    try:
        if not (_ours(path.parent) and _ours(path)):
            logger.warning("Cohort cache %s is not this user's alone: ignored", path)
            return None
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes())
            if meta.get("version") != _version():
                return None
            columns = {name: stored[name] for name in stored.files if name != "meta"}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as error:
        logger.warning("Cohort cache %s unreadable (%s): read again", path, error)
        return None
    seq, kept_hash = int(meta["seq"]), meta["hash"]
    if seq <= head[0]:
        cursor.execute("SELECT hash FROM audit_chainlink WHERE seq = %s", [seq])
        row = cursor.fetchone()
        if row is None or row[0] != kept_hash:
            return None  # another history: another database, rebuilt or restored
    return KeptColumns(seq, kept_hash, columns)


def _ours(path: Path) -> bool:
    """Owned by this process's user, and writable by no one else."""
    status = path.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _store(path: Path, kept: KeptColumns) -> None:
    """Write the kept columns atomically (a reader sees the old file or the new one); a
    failure only costs the next run a full read."""
    meta = json.dumps({"version": _version(), "seq": kept.seq, "hash": kept.hash})
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours(path.parent):
            logger.warning("Cohort cache folder %s is not this user's alone", path.parent)
            return
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.part")
        try:
            with os.fdopen(handle, "wb") as file:
                arrays: dict[str, Any] = {
                    "meta": np.frombuffer(meta.encode(), dtype=np.uint8),
                    **kept.columns,
                }
                np.savez(file, **arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        logger.warning("Cohort cache %s not written (%s)", path, error)


def _read(cursor: Any, head: tuple[int, str], patients: np.ndarray | None) -> KeptColumns:
    """Read every patient (or `patients`) at the open cut-off."""
    read = Reading(cursor, OPEN_CUTOFF, None if patients is None else patients.tolist())
    cohort = read.cohort()
    return KeptColumns(
        head[0],
        head[1],
        {**_flat(cohort), "instants": read.instants, "latest": read.latest},
    )


def _flat(cohort: Cohort) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for f in fields(cohort):
        value = getattr(cohort, f.name)
        if isinstance(value, np.ndarray):
            columns[f.name] = value
        elif f.name == "baseline":
            columns |= {f"baseline.{key}": column for key, column in value.items()}
    return columns


def _cohort(columns: dict[str, np.ndarray], cutoff: dt.date) -> Cohort:
    arrays: dict[str, Any] = {
        f.name: columns[f.name]
        for f in fields(Cohort)
        if f.name in columns and f.name not in ("instants", "latest")
    }
    baseline = {
        name.removeprefix("baseline."): column
        for name, column in columns.items()
        if name.startswith("baseline.")
    }
    return Cohort(cutoff=cutoff, **arrays, baseline=baseline)


def written_since(cursor: Any, seq: int, limit: int) -> tuple[np.ndarray | None, int]:
    """The patients whose rows in the tables read were written after link `seq` (the
    patient of every version of each row written: a row moved to another patient changes
    both), and how many links follow it. No patients when more than `limit` links follow
    (a full read costs less)."""
    cursor.execute(
        "SELECT count(*) FROM (SELECT 1 FROM audit_chainlink WHERE seq > %s LIMIT %s) AS l",
        [seq, limit + 1],
    )
    links = cursor.fetchone()[0]
    if links > limit:
        return None, links
    statements = []
    for event_table in _event_tables():
        written = (
            f"SELECT e.pgh_obj_id FROM audit_chainlink l JOIN {event_table} e "
            f"ON e.pgh_id = l.event_pk WHERE l.seq > %(seq)s AND l.event_table = '{event_table}'"
        )
        statements.append(
            f"SELECT v.patient_id FROM {event_table} v WHERE v.pgh_obj_id IN ({written})"
        )
    cursor.execute(" UNION ".join(statements), {"seq": seq})
    patients = sorted({row[0] for row in cursor.fetchall() if row[0] is not None})
    return np.array(patients, dtype=np.int64), links


def _event_tables() -> list[str]:
    """The audit event tables of the tables a cohort read takes rows from."""
    by_table: dict[str, Any] = {model._meta.db_table: model for model in apps.get_models()}
    return [by_table[table].pgh_event_model._meta.db_table for table in READ_TABLES]


def _updated(
    cursor: Any, kept: KeptColumns, head: tuple[int, str]
) -> tuple[KeptColumns, bool, int | None]:
    """The kept columns with the patients written since read again, whether they are worth
    storing (after a full read, or once enough has changed since the file: rewriting a
    million patients' columns costs about 0.2 s; reading a thousand again, far less), and
    how many patients were read again (None: every one)."""
    limit = int(FULL_READ_SHARE * len(kept))
    changed, links = written_since(cursor, kept.seq, max(limit, MIN_LINKS_LOOKED_AT))
    if changed is None or len(changed) > limit:
        return _read(cursor, head, patients=None), True, None
    store = len(changed) >= STORE_AFTER_PATIENTS or links >= STORE_AFTER_LINKS
    if not len(changed):
        return KeptColumns(head[0], head[1], kept.columns), store, 0
    fresh = _read(cursor, head, patients=changed)
    columns = _merged(kept.columns, changed, fresh.columns)
    return KeptColumns(head[0], head[1], columns), store, len(changed)


def _merged(
    columns: dict[str, np.ndarray], changed: np.ndarray, fresh: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The kept columns with the changed patients' rows replaced by `fresh` ones, in the
    order of randomization (instant, then patient)."""
    ids, instants = columns["patient_ids"], columns["instants"]
    at = np.flatnonzero(np.isin(ids, changed))
    if np.array_equal(ids[at], fresh["patient_ids"]) and np.array_equal(
        instants[at], fresh["instants"]
    ):  # the same patients, randomized at the same instants: in place
        for name, column in columns.items():
            column[at] = fresh[name]
        return columns
    # Patients randomized or removed: the others stay, the fresh ones go in their places.
    stay = np.ones(len(ids), dtype=bool)
    stay[at] = False
    kept = {name: column[stay] for name, column in columns.items()}
    kept_instants, kept_ids = kept["instants"], kept["patient_ids"]
    new_instants, new_ids = fresh["instants"], fresh["patient_ids"]
    places = np.searchsorted(kept_instants, new_instants, side="left")
    ties = np.flatnonzero(places != np.searchsorted(kept_instants, new_instants, side="right"))
    for i in ties.tolist():  # randomized at the very same instant as a kept patient
        place = int(places[i])
        while (
            place < len(kept_ids)
            and kept_instants[place] == new_instants[i]
            and kept_ids[place] < new_ids[i]
        ):
            place += 1
        places[i] = place
    return {name: np.insert(column, places, fresh[name]) for name, column in kept.items()}


def _at_cutoff(cursor: Any, kept: KeptColumns, cutoff: dt.date) -> Cohort:
    """The patients randomized by the cut-off; those with a date after it that a rule
    compares with the cut-off, read again at the cut-off."""
    cut = day(cutoff)
    columns = kept.columns
    randomized = columns["randomized"] <= cut
    if not randomized.all():
        columns = {name: column[randomized] for name, column in columns.items()}
    late = np.flatnonzero(columns["latest"] > cut)
    if len(late) > FULL_READ_SHARE * len(randomized):
        return Reading(cursor, cutoff).cohort()
    if len(late):
        read = Reading(cursor, cutoff, columns["patient_ids"][late].tolist()).cohort()
        again = _flat(read)
        if not np.array_equal(again["patient_ids"], columns["patient_ids"][late]):
            logger.warning("Cohort cache: patients read again out of order; read every one")
            return Reading(cursor, cutoff).cohort()
        columns = {name: column.copy() for name, column in columns.items()}
        for name, column in again.items():
            columns[name][late] = column
    return _cohort(columns, cutoff)
