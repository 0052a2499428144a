"""The kept columns (endpoints/cohort_cache.py) give what a read of every patient gives,
after every kind of write and at cut-offs across the trial, and a run reads again only the
patients written since the last one.

Transactional: the records are committed and sealed into the audit chain, as the worker
finds them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from django.db import connection, transaction

import protocol
from endpoints import cohort, cohort_cache
from endpoints.cohort import recorded_cohort
from endpoints.cohort_cache import OPEN_CUTOFF, kept_cohort
from patients.models import Screening
from tests.endpoints.test_cohort_read_beside import _columns
from tests.endpoints.test_patient_facts_queries import (
    CUTOFF,
    _more_records,
    _with_full_history,
    in_september,  # noqa: F401 (a fixture)
)
from tests.factories import screen_patient
from tests.visits.builders import (
    RANDOMIZED_AT,
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
)
from visits import services
from visits.models import (
    EndOfTreatment,
    FollowUpVisit,
    MrdAssessment,
    ResponseAssessment,
    Transplant,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_september")]


@pytest.fixture
def reads(monkeypatch) -> list[tuple[str, list[int] | None]]:
    """The reads, in order: "open" (the kept columns' cut-off) or "cut-off", and the
    patients asked for (None: every patient)."""
    asked: list[tuple[str, list[int] | None]] = []
    reading = cohort.Reading.__init__

    def spied(self, cursor, cutoff, patients=None):
        which = "open" if cutoff == OPEN_CUTOFF else "cut-off"
        asked.append((which, None if patients is None else sorted(patients)))
        reading(self, cursor, cutoff, patients)

    monkeypatch.setattr(cohort.Reading, "__init__", spied)
    return asked


@pytest.fixture
def trial(site_a, coordinator):
    patients = [_with_full_history(site_a, coordinator, number) for number in range(8)]
    _more_records(patients, coordinator)
    return patients


def _kept_equals_a_full_read(cutoff: dt.date, reads: list) -> list:
    """Read through the kept columns, compare with a read of every patient, and return the
    reads the kept columns needed."""
    del reads[:]
    kept = kept_cohort(cutoff)
    needed = list(reads)
    every = recorded_cohort(cutoff)
    assert kept.cutoff == every.cutoff == cutoff
    expected = _columns(every)
    assert _columns(kept).keys() == expected.keys()
    for name, column in _columns(kept).items():
        np.testing.assert_array_equal(column, expected[name], err_msg=name)
        assert column.dtype == expected[name].dtype, name
    return needed


def _assessed_after(cutoff: dt.date) -> list[int]:
    """The patients with a response or an MRD assessed after the cut-off."""
    return sorted(
        {
            *ResponseAssessment.objects.filter(assessed_on__gt=cutoff).values_list(
                "patient_id", flat=True
            ),
            *MrdAssessment.objects.filter(assessed_on__gt=cutoff).values_list(
                "patient_id", flat=True
            ),
        }
    )


def _cache_file(settings) -> Path:
    (path,) = Path(settings.COHORT_CACHE_DIR).glob("cohort-*.npz")
    return path


def test_the_first_run_reads_every_patient_and_the_next_none(trial, reads, settings):
    first = _kept_equals_a_full_read(CUTOFF, reads)
    again = _kept_equals_a_full_read(CUTOFF, reads)

    # Every patient at the open cut-off; then, at the cut-off, those assessed after it.
    late = _assessed_after(CUTOFF)
    assert 0 < len(late) < len(trial)
    assert first == [("open", None), ("cut-off", late)]
    assert again == [("cut-off", late)]  # nothing written since: none read at the open cut-off
    assert _cache_file(settings).stat().st_mode & 0o077 == 0


@pytest.fixture
def screened_first(site_a, coordinator):
    """A patient screened before the trial's patients (a lower id), randomized later."""
    return screen_patient(site=site_a, user=coordinator)


@pytest.fixture
def stored_every_run(monkeypatch):
    """Each run stores the columns it read again (by default, only once enough changed)."""
    monkeypatch.setattr(cohort_cache, "STORE_AFTER_PATIENTS", 0)


@pytest.mark.usefixtures("stored_every_run")
def test_each_kind_of_write_reads_again_only_the_patients_it_names(
    screened_first, trial, reads, site_a, coordinator
):
    _kept_equals_a_full_read(CUTOFF, reads)
    late = _assessed_after(CUTOFF)
    one, two, three = trial[1], trial[2], trial[3]  # the third in remission at month 3

    def written(write, *named):
        write()
        needed = _kept_equals_a_full_read(CUTOFF, reads)
        assert needed[0] == ("open", sorted(p.pk for p in named)), write.__doc__
        # Then, at the cut-off, at most the patients with records after it.
        assert all(w == "cut-off" and set(p or ()) <= set(late) for w, p in needed[1:]), needed

    def response():
        """a response assessed (the best response, a remission)"""
        ResponseAssessment.objects.create(
            patient=one,
            assessed_on=dt.date(2025, 3, 25),
            timepoint=protocol.ResponseTimepoint.UNSCHEDULED,
            category=protocol.ResponseCategory.CR,
            created_by=coordinator,
        )

    def relapse_at_follow_up():
        """a relapse found at a follow-up visit"""
        FollowUpVisit.objects.filter(patient=three, month=3).update(
            disease_status=protocol.FollowUpDiseaseStatus.RELAPSE
        )

    def death():
        """a death"""
        services.off_study_record(patient=one, user=coordinator, values=death_values(CUTOFF))

    def transplant_moved():
        """a transplant's date corrected"""
        Transplant.objects.filter(patient=trial[3]).update(transplanted_on=dt.date(2025, 6, 1))

    def end_of_treatment_removed():
        """an end of treatment deleted"""
        EndOfTreatment.objects.filter(patient=two).delete()

    def adverse_event():
        """an adverse event (a contact)"""
        record_adverse_event(one, coordinator, dt.date(2025, 8, 30))

    def mrd():
        """a negative flow MRD"""
        MrdAssessment.objects.filter(patient=two).update(assessed_on=dt.date(2025, 3, 31))

    def cycle():
        """a treatment cycle"""
        record_cycle(two, coordinator, dt.date(2025, 8, 1), dt.date(2025, 8, 7))

    def screening_corrected():
        """a mutation corrected at screening (a subgroup)"""
        Screening.objects.filter(patient=one).update(
            mutations={"FLT3-ITD": protocol.MutationResult.values[1]}
        )

    def response_moved_to_another_patient():
        """an assessment moved from one patient to another (both change)"""
        ResponseAssessment.objects.filter(patient=one).filter(
            assessed_on=dt.date(2025, 3, 25)
        ).update(patient=two)

    written(response, one)
    written(relapse_at_follow_up, three)
    written(death, one)
    written(transplant_moved, trial[3])
    written(end_of_treatment_removed, two)
    written(adverse_event, one)
    written(mrd, two)
    written(cycle, two)
    written(screening_corrected, one)
    written(response_moved_to_another_patient, one, two)

    newcomer = screen_patient(site=site_a, user=coordinator)
    randomize(newcomer, coordinator, at=RANDOMIZED_AT + dt.timedelta(days=1))
    needed = _kept_equals_a_full_read(CUTOFF, reads)
    assert needed[0] == ("open", [newcomer.pk])

    # Randomized at the very instant of a kept patient, with a lower id: before that one.
    randomize(screened_first, coordinator, at=RANDOMIZED_AT + dt.timedelta(minutes=4))
    needed = _kept_equals_a_full_read(CUTOFF, reads)
    assert needed[0] == ("open", [screened_first.pk])
    order = list(kept_cohort(CUTOFF).patient_ids)
    assert order.index(screened_first.pk) == order.index(trial[4].pk) - 1


def test_the_columns_are_stored_again_once_enough_has_changed(
    trial, reads, settings, coordinator, monkeypatch
):
    _kept_equals_a_full_read(CUTOFF, reads)
    stored = _cache_file(settings).read_bytes()
    one, two = trial[1], trial[2]
    monkeypatch.setattr(cohort_cache, "STORE_AFTER_PATIENTS", 2)

    record_adverse_event(one, coordinator, dt.date(2025, 8, 30))
    first = _kept_equals_a_full_read(CUTOFF, reads)
    record_adverse_event(two, coordinator, dt.date(2025, 8, 30))
    second = _kept_equals_a_full_read(CUTOFF, reads)  # both read again: stored now
    third = _kept_equals_a_full_read(CUTOFF, reads)

    assert first[0] == ("open", [one.pk])
    assert second[0] == ("open", sorted([one.pk, two.pk]))
    assert third[0][0] == "cut-off"  # nothing read again at the open cut-off
    assert _cache_file(settings).read_bytes() != stored


def test_cutoffs_across_the_trial_give_what_a_full_read_gives(trial, reads):
    _kept_equals_a_full_read(CUTOFF, reads)
    for cutoff in (
        dt.date(2025, 1, 1),  # before any randomization: nobody
        RANDOMIZED_AT.date(),
        dt.date(2025, 3, 25),
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 20),
        dt.date(2025, 7, 1),
        dt.date(2025, 12, 31),
        dt.date(2030, 1, 1),
    ):
        _kept_equals_a_full_read(cutoff, reads)


def test_kept_columns_of_another_history_are_not_used(trial, reads, settings):
    _kept_equals_a_full_read(CUTOFF, reads)
    path = _cache_file(settings)
    with np.load(path) as stored:
        columns = {name: stored[name] for name in stored.files}
    meta = json.loads(columns.pop("meta").tobytes())
    # The same link number with another hash: another database, or this one rebuilt.
    meta["hash"] = "f" * 64
    columns["death"][:] = 0  # columns no read would give
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **columns)

    needed = _kept_equals_a_full_read(CUTOFF, reads)

    assert needed[0] == ("open", None)


def test_an_unreadable_file_costs_a_full_read(trial, reads, settings):
    _kept_equals_a_full_read(CUTOFF, reads)
    _cache_file(settings).write_bytes(b"not a cohort")

    assert _kept_equals_a_full_read(CUTOFF, reads)[0] == ("open", None)


def test_a_transaction_that_has_written_reads_every_patient_and_keeps_nothing(
    trial, reads, settings, coordinator
):
    _kept_equals_a_full_read(CUTOFF, reads)
    before = _cache_file(settings).read_bytes()
    with transaction.atomic():
        record_adverse_event(trial[1], coordinator, dt.date(2025, 8, 29))
        # Its own rows are not in the chain yet: a read of every patient, which sees them.
        needed = _kept_equals_a_full_read(CUTOFF, reads)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
            assert cursor.fetchone()[0]

    assert needed == [("cut-off", None)]
    assert _cache_file(settings).read_bytes() == before


def test_no_cache_folder_reads_every_patient(trial, reads, settings):
    settings.COHORT_CACHE_DIR = ""

    assert _kept_equals_a_full_read(CUTOFF, reads) == [("cut-off", None)]
    assert _kept_equals_a_full_read(CUTOFF, reads) == [("cut-off", None)]
