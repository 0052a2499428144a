"""The analyses page says which run its results come from, and when they are out of date.

The results shown are labelled with their run's cut-off and the time it was computed; once a
write follows the run (a patient randomized, a record entered), the page marks them out of
date and says what changed since, never "6 randomized" beside 7 enrolled in silence. While a
newer run is pending, the page shows its progress (queued → running → done), which
static/js/analyses.js polls. Tasks run eagerly; the tests commit (the chain is sealed then).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import ChainLink
from audit.time_stamps import time_stamp
from endpoints import services
from endpoints.models import AnalysisRun
from tests.endpoints.test_analysis_runs_on_a_worker import six_patients_in_one_stratum
from tests.factories import screen_patient
from tests.visits.builders import randomize, record_cycle

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARD = reverse("analysis-dashboard")
RECOMPUTE = reverse("analysis-recompute")


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def analysed(client, eager, site_a, coordinator, statistician) -> AnalysisRun:
    """Six patients randomized, and the statistician pressed Recompute."""
    six_patients_in_one_stratum(site_a, coordinator)
    client.force_login(statistician)
    page = client.post(RECOMPUTE, follow=True).content.decode()
    assert "Analysis queued" in page
    run = AnalysisRun.objects.get()
    assert run.status == AnalysisRun.Status.DONE, run.error
    return run


def _text(page: str, element_id: str, ends: str = "</p>") -> str:
    """The words of an element, as read on the page."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?){ends}', page, re.S)
    assert found, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_it_labels_the_results_with_their_run_and_says_they_are_up_to_date(client, analysed):
    page = client.get(DASHBOARD).content.decode()

    computed = time_stamp(analysed.finished_at).local  # the trial's time and zone
    assert _text(page, "run-of-the-results") == (
        f"Results of the run at cut-off {analysed.cutoff:%d/%m/%Y}, computed {computed} "
        "· up to date with the data."
    )
    assert 'id="run-stale"' not in page
    assert 'id="run-progress"' not in page


def test_it_marks_the_results_out_of_date_with_what_changed_since_the_run(
    client, analysed, site_a, coordinator
):
    latecomer = screen_patient(site=site_a, user=coordinator)
    randomize(latecomer, coordinator)
    record_cycle(latecomer, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    changed = ChainLink.objects.filter(seq__gt=analysed.data_seq).count()

    page = client.get(DASHBOARD).content.decode()

    assert changed > 3  # the screening, its criteria, the randomization, the cycle…
    assert _text(page, "run-stale") == (
        f"Out of date. Since this run read the data: 1 patient randomized, {changed} records "
        "changed. Recompute to include them."
    )
    assert "up to date with the data" not in page
    # The results themselves are still the run's: six, beside seven randomized in accrual.
    assert "6 randomized · median follow-up" in page
    assert "7 randomized of a target of" in page


def test_a_recompute_after_the_change_brings_the_results_up_to_date(
    client, analysed, site_a, coordinator
):
    randomize(screen_patient(site=site_a, user=coordinator), coordinator)

    page = client.post(RECOMPUTE, follow=True).content.decode()

    assert 'id="run-stale"' not in page
    assert "7 randomized · median follow-up" in page
    assert AnalysisRun.objects.latest("pk").served_from is None


def test_it_says_a_recompute_of_unchanged_data_reused_the_finished_run(client, analysed):
    page = client.post(RECOMPUTE, follow=True).content.decode()

    reused = AnalysisRun.objects.latest("pk")
    assert reused.served_from == analysed
    assert "No data changed since the last analysis: its results are shown." in page
    computed = time_stamp(analysed.finished_at).local  # the trial's time and zone
    assert f"(unchanged data: the results of the run computed {computed})" in _text(
        page, "run-of-the-results"
    )


def test_it_shows_a_pending_run_s_progress_for_the_page_to_poll(client, analysed, statistician):
    # Sent to the queue, where no worker has taken it yet.
    pending = AnalysisRun.objects.create(
        cutoff=dt.date(2025, 6, 1),
        strata_factors=services.analysis_strata_default(),
        requested_by=statistician,
        sent_at=timezone.now(),
    )

    page = client.get(DASHBOARD).content.decode()

    progress = _text(page, "run-progress", ends="</div>")
    assert progress.startswith("Analysis at cut-off 01/06/2025, requested ")
    assert ": Queued" in progress
    assert "Queued Running Done" in progress  # the steps, the current one marked
    assert re.search(r'<li data-step="queued" aria-current="step">Queued</li>', page)
    assert f'data-status-url="{reverse("analysis-status", args=[pending.pk])}"' in page
    assert "The results below are those of the run computed" in progress
    assert '<script src="/static/js/analyses.js" defer></script>' in page


def test_it_says_a_run_from_before_the_fingerprint_cannot_tell_whether_it_is_up_to_date(
    client, analysed
):
    AnalysisRun.objects.filter(pk=analysed.pk).update(data_seq=None)

    page = client.get(DASHBOARD).content.decode()

    assert _text(page, "run-stale") == (
        "This run does not record which data it read (it predates the data fingerprint): "
        "recompute to be sure its results are up to date."
    )
    assert "up to date with the data" not in page
