# ruff: noqa: F811  (the cohort cache test's fixtures, imported and then asked for)
"""A worker brings the kept columns up to date as it starts (services.cohort_columns_refresh),
so the first run after a deployment or a restart reads only the patients written since,
not every patient; the columns it keeps give what a read of every patient gives.

Transactional: the records are committed and sealed into the audit chain, as the worker
finds them.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from audit.models import ChainLink
from endpoints import cohort_cache
from endpoints.services import cohort_columns_refresh
from tests.endpoints.test_cohort_cache import (
    _assessed_after,
    _cache_file,
    _kept_equals_a_full_read,
    reads,  # noqa: F401 (a fixture)
    trial,  # noqa: F401 (a fixture)
)
from tests.endpoints.test_patient_facts_queries import CUTOFF, in_september  # noqa: F401
from tests.visits.builders import record_adverse_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_september")]


def _stored_link(settings) -> int:
    with np.load(_cache_file(settings)) as stored:
        return json.loads(stored["meta"].tobytes())["seq"]


def _chain_head() -> int:
    return ChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()


def test_with_nothing_kept_it_reads_every_patient_and_the_first_run_none(trial, reads, settings):
    refreshed = cohort_columns_refresh()

    assert refreshed is not None
    assert (refreshed.patients, refreshed.read_again) == (len(trial), None)
    assert reads == [("open", None)]
    assert _stored_link(settings) == refreshed.seq == _chain_head()
    # The first run: nothing read again at the open cut-off, only the patients with records
    # after its cut-off, at the cut-off; and the columns equal a read of every patient.
    assert _kept_equals_a_full_read(CUTOFF, reads) == [("cut-off", _assessed_after(CUTOFF))]


def test_after_a_write_it_reads_again_that_patient_and_stores_the_columns(
    trial, reads, settings, coordinator
):
    cohort_columns_refresh()
    record_adverse_event(trial[1], coordinator, dt.date(2025, 8, 30))
    del reads[:]

    refreshed = cohort_columns_refresh()

    assert refreshed is not None
    assert refreshed.read_again == 1
    assert reads == [("open", [trial[1].pk])]
    # Stored although one patient is far fewer than a run would store after.
    assert cohort_cache.STORE_AFTER_PATIENTS > 1
    assert _stored_link(settings) == refreshed.seq == _chain_head()
    assert _kept_equals_a_full_read(CUTOFF, reads)[0][0] == "cut-off"


def test_up_to_date_it_reads_nothing(trial, reads, settings):
    cohort_columns_refresh()
    stored = _cache_file(settings).read_bytes()
    del reads[:]

    refreshed = cohort_columns_refresh()

    assert refreshed is not None
    assert refreshed.read_again == 0
    assert reads == []
    assert _cache_file(settings).read_bytes() == stored


def test_columns_of_an_older_reading_code_are_read_again(trial, reads, settings, monkeypatch):
    cohort_columns_refresh()
    monkeypatch.setattr(cohort_cache, "_version", lambda: "the reading code of a new deployment")
    del reads[:]

    refreshed = cohort_columns_refresh()

    assert refreshed is not None and refreshed.read_again is None
    assert reads == [("open", None)]


def test_without_a_cache_folder_it_reads_nothing(trial, reads, settings):
    settings.COHORT_CACHE_DIR = ""

    assert cohort_columns_refresh() is None
    assert reads == []
