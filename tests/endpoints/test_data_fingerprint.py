"""The data fingerprint moves on every kind of write and on nothing else.

A run is reused only when its fingerprint, read by the worker from the audit chain's head and
the last event of each audited table (endpoints/fingerprint.py), equals a finished run's: so
every form of the casebook, a screening, a randomization, an outcomes import, a data lock and
its unlock, a correction made with SQL must each move it, and reading pages, reading the API,
downloading an export or computing a run must leave it as it was. The tests commit
(transaction=True): the chain is sealed at commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from audit.models import ChainLink
from casebook.registry import site as casebook
from endpoints import services
from endpoints.fingerprint import (
    DataState,
    analysis_fingerprint,
    data_changes_since,
    data_state,
)
from endpoints.imports import outcomes_import
from endpoints.models import AnalysisRun
from locks.services import data_lock, data_unlock
from patients.models import Screening
from tests.api.histories import patient_with_every_record
from tests.endpoints.r_reference import REFERENCE

pytestmark = pytest.mark.django_db(transaction=True)

CUTOFF = dt.date(2025, 6, 2)
RANDOMIZED_ON = dt.date(2025, 3, 5)
LEGACY_TRIAL = REFERENCE / "trial_n300.csv"


def _fingerprint(state: DataState | None = None) -> str:
    return analysis_fingerprint(
        cutoff=CUTOFF,
        strata_factors=services.analysis_strata_default(),
        ties="efron",
        state=state or data_state(),
    )


def _event_table(model) -> str:
    return model.pgh_event_model._meta.db_table


def test_it_moves_on_every_form_of_the_casebook_the_screening_and_the_randomization(
    site_a, coordinator
):
    before = data_state()

    patient_with_every_record(site=site_a, user=coordinator, randomized_on=RANDOMIZED_ON)

    after = data_state()
    assert after.seq > before.seq and _fingerprint(after) != _fingerprint(before)
    sealed = set(ChainLink.objects.filter(seq__gt=before.seq).values_list("event_table", flat=True))
    # Each form's record was sealed into the chain, so each moved its head on its own.
    for form in casebook:
        assert _event_table(form.model) in sealed, f"{form.name}: its write left no link"
    assert {"patients_screeningevent", "randomization_randomizationevent"} <= sealed
    changes = data_changes_since(before.seq)
    assert (changes.patients_randomized, changes.records_changed) == (1, after.seq - before.seq)


def test_it_moves_on_a_correction_made_outside_the_services(site_a, coordinator):
    patient_with_every_record(site=site_a, user=coordinator, randomized_on=RANDOMIZED_ON)
    before = _fingerprint()

    # SQL run by hand: the database's triggers record it, so the analyses see it too.
    Screening.objects.update(eln_risk="adverse")

    assert _fingerprint() != before


def test_it_moves_on_an_outcomes_import_each_imported_patient_counted_as_randomized(
    data_manager,
):
    before = data_state()

    outcomes_import(content=LEGACY_TRIAL.read_text(), filename=LEGACY_TRIAL.name, user=data_manager)

    assert _fingerprint() != _fingerprint(before)
    changes = data_changes_since(before.seq)
    assert (changes.patients_randomized, changes.records_changed) == (300, 300)


def test_it_moves_on_a_data_lock_and_on_its_unlock(site_a, coordinator, data_manager):
    patient_with_every_record(site=site_a, user=coordinator, randomized_on=RANDOMIZED_ON)
    unlocked = _fingerprint()

    lock = data_lock(user=data_manager, reason="Cut-off of the interim analysis", site=site_a)
    locked = _fingerprint()
    data_unlock(user=data_manager, lock=lock, reason="Query on a death date to correct")

    assert len({unlocked, locked, _fingerprint()}) == 3


def _pages() -> Iterator[str]:
    """Every page and API list whose address takes no argument."""

    def walk(patterns, prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if "<" in route or route.startswith(("admin/", "^")):
                continue
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.endswith("logout/"):
                yield "/" + route

    return walk(get_resolver().url_patterns, "")


def test_it_stays_equal_after_reading_every_page_the_api_the_exports_and_computing_a_run(
    client, site_a, coordinator, data_manager, statistician
):
    patient = patient_with_every_record(site=site_a, user=coordinator, randomized_on=RANDOMIZED_ON)
    run = services.analysis_run_request(cutoff=CUTOFF, user=statistician)
    before = _fingerprint()

    services.analysis_run_execute(run_id=run.pk)
    read: dict[str, int] = {}
    for user in (coordinator, data_manager, statistician):
        client.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        for path in [*_pages(), reverse("patient-detail", args=[patient.study_id])]:
            reader = api if path.startswith("/api/") else client
            read[path] = reader.get(path).status_code
    api = APIClient()
    api.force_authenticate(data_manager)
    for dataset in ("adsl", "adtte"):  # streamed to the end: the whole export is read
        response = api.get(reverse("api-export", args=[dataset, "csv"]))
        read[dataset] = response.status_code
        exported = b"".join(response.streaming_content).decode()
        assert patient.study_id in exported, dataset

    assert AnalysisRun.objects.get(pk=run.pk).status == AnalysisRun.Status.DONE
    assert read["/analyses/"] == read["/api/v1/patients/"] == read["adtte"] == 200
    assert sum(status == 200 for status in read.values()) > 20
    assert _fingerprint() == before
