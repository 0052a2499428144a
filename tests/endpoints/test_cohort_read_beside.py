"""The analysis read on two connections gives the columns one connection gives.

endpoints/cohort.py reads the screening and the follow-up visits on a second connection that
holds the first one's snapshot when the reading transaction has written nothing (the
worker's read), and everything on its own connection otherwise (a transaction that wrote
sees rows no other connection sees). Transactional: the records are committed, as the
worker finds them.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from django.db import connection, transaction

from endpoints import cohort
from endpoints.cohort import Cohort, Reading, reading, recorded_cohort
from tests.endpoints.test_patient_facts_queries import (
    CUTOFF,
    _more_records,
    _with_full_history,
    in_september,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)


def _columns(cohort: Cohort) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for f in fields(cohort):
        value = getattr(cohort, f.name)
        if isinstance(value, dict):
            columns |= {f"{f.name}.{key}": column for key, column in value.items()}
        elif isinstance(value, np.ndarray):
            columns[f.name] = value
    return columns


@pytest.fixture
def opened(monkeypatch) -> list[dict]:
    """The connections the read opens besides Django's own (their parameters)."""
    opened: list[dict] = []
    new_connection = connection.get_new_connection

    def counted(params):
        opened.append(params)
        return new_connection(params)

    monkeypatch.setattr(connection, "get_new_connection", counted)
    return opened


@pytest.mark.usefixtures("in_september")
def test_it_reads_the_same_columns_beside_as_on_one_connection(site_a, coordinator, opened):
    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)
    beside = recorded_cohort(CUTOFF)
    read_beside = len(opened)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # this transaction now has an id
        alone = recorded_cohort(CUTOFF)

    assert (read_beside, len(opened)) == (1, 1)
    assert len(beside) == 8
    expected = _columns(alone)
    assert _columns(beside).keys() == expected.keys()
    for name, column in _columns(beside).items():
        np.testing.assert_array_equal(column, expected[name], err_msg=name)


@pytest.mark.usefixtures("in_september")
@pytest.mark.parametrize(
    ("step", "what"), [("_randomized", "randomizations"), ("_off_study", "deaths")]
)
def test_a_failed_read_before_the_second_connection_goes_on_ends_it_too(
    site_a, coordinator, monkeypatch, step, what
):
    """The second connection starts first and waits for the patients' positions, then for
    their deaths: when either cannot be read, it is released and the error reaches the
    caller."""
    import threading

    from endpoints import cohort

    _with_full_history(site_a, coordinator, 0)

    def broken(self):
        raise RuntimeError(f"{what} unreadable")

    monkeypatch.setattr(cohort.Reading, step, broken)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            recorded_cohort(CUTOFF)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)
        finally:
            connection.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)

    assert not reader.is_alive(), "the read waits forever"
    assert [str(e) for e in outcome] == [f"{what} unreadable"]


@pytest.mark.usefixtures("in_september")
def test_the_workers_read_within_its_snapshot_transaction_reads_beside(
    site_a, coordinator, opened, settings
):
    """The worker reads through analysis_inputs, whose transaction holds the snapshot of
    the data's state and of the columns: nested without a savepoint, it still reads beside."""
    from endpoints.services import analysis_inputs

    settings.COHORT_CACHE_DIR = ""  # one read of every patient (endpoints/cohort_cache.py)
    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)
    inputs = analysis_inputs(CUTOFF)
    alone = recorded_cohort_in_a_savepoint()

    assert len(opened) == 1
    assert inputs.cohort is not None and len(inputs.cohort) == 8
    read = _columns(inputs.cohort)  # with cycle 1's counts, which are read apart
    for name, column in _columns(alone).items():
        np.testing.assert_array_equal(read[name], column, err_msg=name)


def recorded_cohort_in_a_savepoint() -> Cohort:
    """The read within a savepoint, where PostgreSQL exports no snapshot: on one connection."""
    with transaction.atomic(), transaction.atomic():
        return recorded_cohort(CUTOFF)


@pytest.mark.usefixtures("in_september")
def test_a_read_of_a_few_patients_stays_on_one_connection(site_a, coordinator, opened):
    """The patients written since the kept columns (endpoints/cohort_cache.py) are read
    again on the reading connection alone: a second connection costs more than it saves."""
    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)
    every = recorded_cohort(CUTOFF)
    opened.clear()
    few = [p.pk for p in patients[2:5]]

    with reading() as cursor:
        some = Reading(cursor, CUTOFF, few).cohort()

    assert opened == []
    at = np.flatnonzero(np.isin(every.patient_ids, few))
    assert len(at) == len(few)
    for name, column in _columns(some).items():
        np.testing.assert_array_equal(column, _columns(every)[name][at], err_msg=name)


@pytest.mark.usefixtures("in_september")
def test_a_read_of_many_patients_reads_beside(site_a, coordinator, opened, monkeypatch):
    monkeypatch.setattr(cohort, "ALONE_BELOW_PATIENTS", 3)
    patients = [_with_full_history(site_a, coordinator, number) for number in range(4)]
    opened.clear()

    with reading() as cursor:
        Reading(cursor, CUTOFF, [p.pk for p in patients]).cohort()

    assert len(opened) == 1
